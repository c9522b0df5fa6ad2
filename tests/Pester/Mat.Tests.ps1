# MATLAB files from the user's side: listing, reading, importing frames, writing them back.

BeforeAll {
    Import-Module ($env:DATAPIPELINE_MODULE ?? (Join-Path $PSScriptRoot '../../out/DataPipeline/DataPipeline.psd1')) -Force
}

Describe 'Get-MatVariable' {
    BeforeAll {
        # The corpus lives in ../shared next to the repository; find it from wherever this file runs.
        $dir = [System.IO.DirectoryInfo]::new($PSScriptRoot)
        while ($dir -and -not [System.IO.Directory]::Exists([System.IO.Path]::Combine($dir.FullName, 'shared', 'corpus'))) { $dir = $dir.Parent }
        $corpus = [System.IO.Path]::Combine($dir.FullName, 'shared', 'corpus')
        $dev = [System.IO.Path]::Combine($corpus, 'mat', 'dev')
        $sarus = [System.IO.Path]::Combine($corpus, 'sarus-like', 'v5', 'sarus_like_000.mat')
    }

    It 'reads a struct with its fields and values' {
        $v = Get-MatVariable -Path $sarus -Name low_res
        $v.Class | Should -Be 'struct'
        $v.Fields | Should -Be @('das')
        $v.Elements[0]['das'].Dimensions | Should -Be @(64, 64, 11)
    }

    It 'reads <File> as <Class>' -TestCases @(
        @{ File = 'testdouble_4.2c_SOL2.mat'; Class = 'double' }
        @{ File = 'teststring_7.1_GLNX86.mat'; Class = 'char' }
        @{ File = 'testcell_7.1_GLNX86.mat'; Class = 'cell' }
        @{ File = 'testfile8.mat'; Class = 'char' }
    ) {
        param($File, $Class)
        $v = Get-MatVariable -Path ([System.IO.Path]::Combine($dev, $File))
        $v[0].Class | Should -Be $Class
    }

    It 'gives a non-terminating InvalidData error for a damaged file' {
        $bad = [System.IO.Path]::Combine($dev, 'malformed1.mat')
        $out = Get-MatVariable -Path $bad, $sarus -ErrorVariable problems -ErrorAction SilentlyContinue
        $out | Should -HaveCount 2
        $problems | Should -HaveCount 1
        $problems[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $problems[0].Exception.Message | Should -Match 'byte \d+'
    }
}

Describe 'Import-MatDataset and Export-MatFile' {
    BeforeAll {
        # The corpus lives in ../shared next to the repository; find it from wherever this file runs.
        $dir = [System.IO.DirectoryInfo]::new($PSScriptRoot)
        while ($dir -and -not [System.IO.Directory]::Exists([System.IO.Path]::Combine($dir.FullName, 'shared', 'corpus'))) { $dir = $dir.Parent }
        $corpus = [System.IO.Path]::Combine($dir.FullName, 'shared', 'corpus')
        $v5 = [System.IO.Path]::Combine($corpus, 'sarus-like', 'v5')
    }

    It 'streams one normalised frame per file with labels' {
        $frames = Import-MatDataset $v5 -DataVariable low_res.das -LabelVariable conf_map.gauss -Reduce sum -Normalize minmax
        $frames | Should -HaveCount 8
        $frames[0].Shape | Should -Be @(64, 64)
        $frames[0].LabelShape | Should -Be @(128, 128)
        [System.Linq.Enumerable]::Max([float[]]$frames[0].Data) | Should -Be 1
    }

    It 'splits along -FrameDim' {
        $frames = Import-MatDataset ([System.IO.Path]::Combine($v5, 'sarus_like_000.mat')) -Reduce none -FrameDim 3
        $frames | Should -HaveCount 11
        $frames[10].Index | Should -Be 10
    }

    It 'writes frames that read back' {
        $path = [System.IO.Path]::Combine($TestDrive, 'frames.mat')
        Import-MatDataset $v5 | Export-MatFile -Path $path
        $path | Should -Exist
        $data = Get-MatVariable -Path $path -Name data
        $data.Dimensions | Should -Be @(64, 64, 8)
    }

    It 'refuses a bad variable path' {
        { Import-MatDataset $v5 -DataVariable 'low_res..das' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidVariablePath,DataPipeline.PowerShell.Commands.ImportMatDatasetCommand'
    }
}
