# Patches: Get-FramePatch into a frame store, and New-BatchGenerator's masked, mirrored patches (Pester 5 syntax).

BeforeAll {
    Import-Module ($env:DATAPIPELINE_MODULE ?? (Join-Path $PSScriptRoot '../../out/DataPipeline/DataPipeline.psd1')) -Force
}

Describe 'Get-FramePatch' {
    BeforeAll {
        $frames = New-SyntheticFrame -Count 6 -Size 16 -SizeRatio 2 -Seed 9
        $store = Join-Path ([System.IO.Path]::GetTempPath()) "dp-patches-$([guid]::NewGuid()).h5"
    }
    AfterAll {
        if (Test-Path $store) { Remove-Item $store }
    }

    It 'writes up to -MaxPerFrame distinct patches per frame to a store that reads back as cut' {
        $patches = @($frames | Get-FramePatch -Size 8 -MaxPerFrame 3 -Seed 1)
        $patches | Should -HaveCount 18
        $patches | Export-FrameDataset -Path $store
        $back = @(Import-FrameDataset -Path $store)
        $back | Should -HaveCount 18
        foreach ($k in 0, 7, 17) {
            $patch = $back[$k]
            $patch.Shape -join "x" | Should -Be "8x8"
            $patch.LabelShape -join "x" | Should -Be "16x16"
            # The source names the frame and the corner; the data are that window of the frame, by hand.
            $patch.Source -match '#(\d+)@\((\d+),(\d+)\)$' | Should -BeTrue
            $frame = $frames[[int]$Matches[1]]; $top = [int]$Matches[2]; $left = [int]$Matches[3]
            for ($r = 0; $r -lt 8; $r++) {
                for ($c = 0; $c -lt 8; $c++) { $patch.Data[8 * $r + $c] | Should -Be $frame.Data[16 * ($top + $r) + $left + $c] }
            }
            $patch.Label[0] | Should -Be $frame.Label[32 * (2 * $top) + 2 * $left]
            $inside = @($frame.Positions | Where-Object { $_.Row - $top -ge -0.5 -and $_.Row - $top -lt 7.5 -and $_.Column - $left -ge -0.5 -and $_.Column - $left -lt 7.5 })
            @($patch.Positions) | Should -HaveCount $inside.Count
        }
        # Distinct places within each frame.
        ($patches | Group-Object { $_.Source } | Where-Object Count -gt 1) | Should -BeNullOrEmpty
    }

    It 'keeps patch centres inside -Mask and reports a mask of the wrong size' {
        $mask = [bool[,]]::new(16, 16)
        $mask[10, 5] = $true
        $one = @($frames[0] | Get-FramePatch -Size 4 -Mask $mask -MaxPerFrame 5)
        $one | Should -HaveCount 1          # one allowed centre, one place
        $one[0].Source | Should -BeLike '*@(8,3)'
        $small = [bool[,]]::new(8, 8)
        $frames[0] | Get-FramePatch -Size 4 -Mask $small -ErrorVariable bad -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $bad[0].FullyQualifiedErrorId | Should -BeLike 'FrameNotPatchable*'
        { $frames[0] | Get-FramePatch -Size 4 -Mask 'nope' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidPatchMask*'
        { $frames[0] | Get-FramePatch -ErrorAction Stop } | Should -Throw -ErrorId 'NoPatchSize*'
    }

    It 'mirrors a patch past the edge' {
        $mask = [bool[,]]::new(16, 16)
        $mask[0, 0] = $true
        $patch = $frames[0] | Get-FramePatch -Size 4 -Mask $mask -Mirror
        $patch.Source | Should -BeLike '*@(-2,-2)'
        # Rows and columns -2, -1 mirror to 1, 0.
        $patch.Data[0] | Should -Be $frames[0].Data[16 * 1 + 1]
        $patch.Data[5] | Should -Be $frames[0].Data[0]
    }
}

Describe 'New-BatchGenerator patches' {
    BeforeAll {
        $frames = New-SyntheticFrame -Count 8 -Size 16 -SizeRatio 2 -Seed 4
    }

    It 'draws patches only where -PatchMask allows, mirrored with -PatchMirror' {
        $mask = @(foreach ($r in 0..15) { , @(foreach ($c in 0..15) { [int]($r -eq 15 -and $c -eq 15) }) })
        $g = New-BatchGenerator -InputObject $frames -BatchSize 8 -ValidationFraction 0 -Seed 2 -Shuffle:$false -PatchSize 4 -PatchMask $mask -PatchMirror
        $g.PatchMirror | Should -BeTrue
        $g.PatchMasked | Should -BeTrue
        $b = Get-Batch -Generator $g -First 1
        # Centre (15, 15): the patch covers rows and columns 13..16, 16 mirrored to 15.
        $frame = $frames[$b.Indices[0]]
        $b.Data[0] | Should -Be $frame.Data[16 * 13 + 13]
        $b.Data[15] | Should -Be $frame.Data[16 * 15 + 15]
        $b.Data[3] | Should -Be $frame.Data[16 * 13 + 15]
    }

    It 'refuses a mask of another size than the frames' {
        { New-BatchGenerator -InputObject $frames -PatchSize 4 -PatchMask ([bool[,]]::new(3, 3)) -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidFrames*'
    }
}

Describe 'New-BatchGenerator classes and frame limits per source' {
    BeforeAll {
        $a = New-SyntheticFrame -Count 6 -Size 16 -SizeRatio 2 -Seed 1
        $store = Join-Path ([System.IO.Path]::GetTempPath()) "dp-classes-$([guid]::NewGuid()).h5"
        New-SyntheticFrame -Count 8 -Size 16 -SizeRatio 2 -Seed 2 | Export-FrameDataset -Path $store
    }
    AfterAll {
        if (Test-Path $store) { Remove-Item $store }
    }

    It 'carries each source''s class on every batch and keeps only -MaxFrames of each source' {
        $g = New-BatchGenerator -InputObject $a -Path $store -ClassLabel 0, 2 -MaxFrames 3, 5 -BatchSize 4 -ValidationFraction 0 -Seed 1
        $g.FrameCount | Should -Be 8
        $g.ClassCount | Should -Be 3
        $seen = 0
        foreach ($b in Get-Batch -Generator $g) {
            for ($i = 0; $i -lt $b.Count; $i++) {
                # Positions 0-2 are the first three piped frames (class 0), 3-7 the store's first five (class 2).
                $b.ClassLabels[$i] | Should -Be ($(if ($b.Indices[$i] -lt 3) { 0 } else { 2 }))
                $b.Sources[$i] | Should -Be ($(if ($b.Indices[$i] -lt 3) { 'pipeline' } else { Split-Path $store -Leaf }))
                $seen++
            }
        }
        $seen | Should -Be 8
        (New-BatchGenerator -InputObject $a -MaxFrames 2).FrameCount | Should -Be 2
    }

    It 'weights the training loss by class: zero weights leave nothing to learn, validation stays unweighted' {
        $config = [System.IO.Path]::Combine($PSScriptRoot, 'TestData', 'small.toml')
        $frames = New-SyntheticFrame -Count 16 -Size 16 -Seed 5 -Config $config
        $run = New-BatchGenerator -InputObject $frames -ClassLabel 1 -ClassWeight 0, 0 -Config $config |
            Invoke-UNetTraining -Config $config -Epochs 1 -OutputDirectory ([System.IO.Path]::Combine($TestDrive, 'weighted'))
        $run.History[0].Loss | Should -Be 0
        $run.History[0].ValLoss | Should -BeGreaterThan 0
        { New-BatchGenerator -InputObject $frames -ClassWeight 1 -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidFrames*'
    }

    It 'refuses a class list or frame limits that do not match the sources' {
        { New-BatchGenerator -InputObject $a -Path $store -ClassLabel 1 -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidFrames*'
        { New-BatchGenerator -InputObject $a -Path $store -MaxFrames 1, 2, 3 -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidFrames*'
        { New-BatchGenerator -InputObject $a -ClassLabel -1 -ErrorAction Stop } | Should -Throw
    }
}
