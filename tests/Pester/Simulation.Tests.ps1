# User-facing behaviour of New-SyntheticFrame and New-BatchGenerator (Pester 5 syntax).

BeforeAll {
    Import-Module ($env:DATAPIPELINE_MODULE ?? (Join-Path $PSScriptRoot '../../out/DataPipeline/DataPipeline.psd1')) -Force
}

Describe 'New-SyntheticFrame' {
    It 'makes frames with labels at SizeRatio times the resolution' {
        $frames = New-SyntheticFrame -Count 3 -Size 16 -SizeRatio 4 -Seed 1
        $frames | Should -HaveCount 3
        $frames[0].Shape | Should -Be @(16, 16)
        $frames[0].LabelShape | Should -Be @(64, 64)
        $frames[2].Index | Should -Be 2
    }

    It 'gives frame i the same content whatever Count and StartIndex' {
        $all = New-SyntheticFrame -Count 6 -Size 16 -Seed 9
        $one = New-SyntheticFrame -Count 1 -StartIndex 4 -Size 16 -Seed 9
        $one.Index | Should -Be 4
        [System.Linq.Enumerable]::SequenceEqual([float[]]$one.Data, [float[]]$all[4].Data) | Should -BeTrue
    }

    It 'keeps the scatterer count within -Scatterers' {
        $counts = New-SyntheticFrame -Count 40 -Size 32 -Scatterers 2, 3 | ForEach-Object { $_.ScattererCount }
        ($counts | Where-Object { $_ -lt 2 -or $_ -gt 3 }) | Should -BeNullOrEmpty
    }

    It 'gives the same frames whatever -ThrottleLimit' {
        $one = New-SyntheticFrame -Count 5 -Size 16 -Frames 2 -Seed 2 -ThrottleLimit 1
        $all = New-SyntheticFrame -Count 5 -Size 16 -Frames 2 -Seed 2
        foreach ($i in 0..4) {
            [System.Linq.Enumerable]::SequenceEqual([float[]]$one[$i].Data, [float[]]$all[$i].Data) | Should -BeTrue
        }
    }

    It 'takes noise as -SnrDb or -NoiseStd, not both' {
        $frame = New-SyntheticFrame -Count 1 -Size 32 -Scatterers 3 -SnrDb 20 -Amplitude 0.5, 2 -Combine Sum
        $frame.Shape | Should -Be @(32, 32)
        { New-SyntheticFrame -Count 1 -SnrDb 20 -NoiseStd 0.1 } | Should -Throw -ErrorId 'AmbiguousParameterSet,DataPipeline.PowerShell.Commands.NewSyntheticFrameCommand'
    }

    It 'rejects a config that sets both noise_std and snr_db, naming the key' {
        $config = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), "dp-noise-$([guid]::NewGuid()).toml")
        [System.IO.File]::WriteAllText($config, "[simulation]`nnoise_std = 0.1`nsnr_db = 20`n")
        try {
            { New-SyntheticFrame -Count 1 -Config $config } | Should -Throw '*simulation.snr_db*'
        }
        finally {
            [System.IO.File]::Delete($config)
        }
    }

    It 'rejects an impossible scatterer range' {
        { New-SyntheticFrame -Count 1 -Scatterers 5, 2 } | Should -Throw -ErrorId 'InvalidSimulationSettings,DataPipeline.PowerShell.Commands.NewSyntheticFrameCommand'
    }
}

Describe 'New-BatchGenerator' {
    BeforeAll {
        $frames = New-SyntheticFrame -Count 30 -Size 16 -Seed 3
    }

    It 'emits one generator that a variable can hold and pipe' {
        $generator = $frames | New-BatchGenerator -BatchSize 8 -ValidationFraction 0.2
        $generator | Should -HaveCount 1
        $generator.TrainingCount | Should -Be 24
        $generator.ValidationCount | Should -Be 6
        $generator.TrainingBatchesPerEpoch | Should -Be 3
        ($generator | Get-Batch | ForEach-Object { $_.Count }) | Should -Be @(8, 8, 8)
    }

    It 'visits every training frame exactly once per epoch' {
        $generator = $frames | New-BatchGenerator -BatchSize 7 -ValidationFraction 0.2 -Seed 5
        foreach ($epoch in 1, 2, 3) {
            $seen = $generator | Get-Batch -Epoch $epoch | ForEach-Object { $_.Indices }
            $seen | Should -HaveCount 24
            [System.Collections.Generic.HashSet[int]]::new([int[]]$seen).Count | Should -Be 24
        }
    }

    It 'hands out validation batches separately' {
        $generator = $frames | New-BatchGenerator -BatchSize 4 -ValidationFraction 0.2
        $validation = $generator | Get-Batch -Split Validation | ForEach-Object { $_.Indices }
        $training = $generator | Get-Batch | ForEach-Object { $_.Indices }
        $validation | Should -HaveCount 6
        ($validation | Where-Object { $training -contains $_ }) | Should -BeNullOrEmpty
    }
}
