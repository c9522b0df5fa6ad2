# User-facing behaviour of Export-FrameDataset, Import-FrameDataset and Export-FramePreview
# (Pester 5 syntax).

BeforeAll {
    Import-Module ($env:DATAPIPELINE_MODULE ?? (Join-Path $PSScriptRoot '../../out/DataPipeline/DataPipeline.psd1')) -Force
}

Describe 'Export-FrameDataset and Import-FrameDataset' {
    BeforeAll {
        $dir = [System.IO.Directory]::CreateTempSubdirectory('dp-pester-store-').FullName
        $store = [System.IO.Path]::Combine($dir, 'frames.h5')
        $frames = New-SyntheticFrame -Count 12 -Size 16 -Frames 2 -Seed 21
        $frames | Export-FrameDataset -Path $store
    }

    AfterAll {
        [System.IO.Directory]::Delete($dir, $true)
    }

    It 'gives back every frame with the same values, positions and source' {
        $back = Import-FrameDataset -Path $store
        $back | Should -HaveCount 12
        foreach ($i in 0..11) {
            $back[$i].Index | Should -Be $i
            $back[$i].Source | Should -BeExactly $frames[$i].Source
            [System.Linq.Enumerable]::SequenceEqual([float[]]$back[$i].Data, [float[]]$frames[$i].Data) | Should -BeTrue
            [System.Linq.Enumerable]::SequenceEqual([float[]]$back[$i].Label, [float[]]$frames[$i].Label) | Should -BeTrue
            $back[$i].ScattererCount | Should -Be $frames[$i].ScattererCount
        }
    }

    It 'reads a range and single positions' {
        (Import-FrameDataset $store -Range 3, 5 | ForEach-Object { $_.Index }) | Should -Be @(3, 4, 5)
        (Import-FrameDataset $store -Index 11, 2 | ForEach-Object { $_.Index }) | Should -Be @(11, 2)
    }

    It 'records the simulation settings and seed that made the frames' {
        $frame = Import-FrameDataset $store -Index 0
        $frame.Origin.Generator | Should -Be 'ScattererSimulator'
        $frame.Origin.Seed | Should -Be 21
        $frame.Origin.Configuration | Should -Match 'frames = 2'
    }

    It 'appends after the frames already there' {
        $copy = [System.IO.Path]::Combine($dir, 'copy.h5')
        $frames | Export-FrameDataset $copy
        New-SyntheticFrame -Count 3 -StartIndex 12 -Size 16 -Frames 2 -Seed 21 | Export-FrameDataset $copy -Append
        $all = Import-FrameDataset $copy
        $all | Should -HaveCount 15
        $all[14].Index | Should -Be 14
    }

    It 'reports a missing store as an error' {
        { Import-FrameDataset ([System.IO.Path]::Combine($dir, 'missing.h5')) -ErrorAction Stop } | Should -Throw -ErrorId 'FrameStoreNotFound,DataPipeline.PowerShell.Commands.ImportFrameDatasetCommand'
    }

    It 'refuses a position outside the store' {
        { Import-FrameDataset $store -Index 12 -ErrorAction Stop } | Should -Throw -ErrorId 'FrameIndexOutOfRange,DataPipeline.PowerShell.Commands.ImportFrameDatasetCommand'
    }

    It 'writes nothing under -WhatIf' {
        $never = [System.IO.Path]::Combine($dir, 'never.h5')
        $frames | Export-FrameDataset $never -WhatIf
        $never | Should -Not -Exist
    }
}

Describe 'Export-FramePreview' {
    BeforeAll {
        $dir = [System.IO.Directory]::CreateTempSubdirectory('dp-pester-preview-').FullName
    }

    AfterAll {
        [System.IO.Directory]::Delete($dir, $true)
    }

    It 'writes a PNG of data and label panels for the first Count frames' {
        $png = [System.IO.Path]::Combine($dir, 'grid.png')
        $file = New-SyntheticFrame -Count 20 -Size 16 -Seed 3 | Export-FramePreview -Path $png -Count 4 -PassThru
        $file.FullName | Should -Be $png
        $png | Should -Exist
        # The PNG header holds the size: 4 frames as 2 rows of 2 (data | label) pairs.
        $bytes = [System.IO.File]::ReadAllBytes($png)
        $width = [System.Buffers.Binary.BinaryPrimitives]::ReadInt32BigEndian([byte[]]$bytes[16..19])
        $height = [System.Buffers.Binary.BinaryPrimitives]::ReadInt32BigEndian([byte[]]$bytes[20..23])
        $width | Should -Be (4 * 280)
        $height | Should -Be (2 * 250)
    }
}
