# Augmented batches through New-BatchGenerator and Get-Batch (Pester 5 syntax).

BeforeAll {
    Import-Module ($env:DATAPIPELINE_MODULE ?? (Join-Path $PSScriptRoot '../../out/DataPipeline/DataPipeline.psd1')) -Force
}

Describe 'New-BatchGenerator augmentation' {
    BeforeAll {
        $frames = New-SyntheticFrame -Count 12 -Size 16 -SizeRatio 2 -Seed 4
    }

    It 'leaves batches as the frames when nothing is switched on' {
        $g = New-BatchGenerator -InputObject $frames -BatchSize 4 -ValidationFraction 0 -Seed 1
        $g.Augmenter.IsIdentity | Should -BeTrue
        $g.Augmenter.ToString() | Should -Be 'off'
        $b = Get-Batch -Generator $g -First 1
        $frame = $frames[$b.Indices[0]]
        $first = [float[]]::new(256); [Array]::Copy($b.Data, $first, 256)
        [System.Linq.Enumerable]::SequenceEqual([float[]]$frame.Data, $first) | Should -BeTrue
    }

    It 'augments training batches from parameters, the label moved but never noised' {
        $g = New-BatchGenerator -InputObject $frames -BatchSize 4 -ValidationFraction 0 -Seed 1 -Flip -Rot90 -SnrDb 10
        $g.Augmenter.Settings.SnrDb | Should -Be 10
        $g.Augmenter.Settings.Flip | Should -BeTrue
        $g.Augmenter.ToString() | Should -BeLike 'flip, rot90*noise 10 dB SNR'
        $b = Get-Batch -Generator $g -First 1
        $frame = $frames[$b.Indices[0]]
        $first = [float[]]::new(256); [Array]::Copy($b.Data, $first, 256)
        [System.Linq.Enumerable]::SequenceEqual([float[]]$frame.Data, $first) | Should -BeFalse
        # Flips and quarter turns only permute the label: its values are the frame's, reordered.
        $sortedBatch = [float[]]::new(1024); [Array]::Copy($b.Label, $sortedBatch, 1024); [Array]::Sort($sortedBatch)
        $sortedFrame = [float[]]$frame.Label.Clone(); [Array]::Sort($sortedFrame)
        [System.Linq.Enumerable]::SequenceEqual($sortedFrame, $sortedBatch) | Should -BeTrue
    }

    It 'gives the same batches whatever -Workers' {
        $one = New-BatchGenerator -InputObject $frames -BatchSize 4 -ValidationFraction 0 -Seed 3 -RotationDeg 20 -ShiftPx 1.5 -Workers 1
        $three = New-BatchGenerator -InputObject $frames -BatchSize 4 -ValidationFraction 0 -Seed 3 -RotationDeg 20 -ShiftPx 1.5 -Workers 3 -Prefetch 1
        $three.Workers | Should -Be 3
        $a = @(Get-Batch -Generator $one -Epoch 1)
        $b = @($three.Stream([DataPipeline.Engine.Batching.BatchPrefetcher]::new(), 'Training', 0, [System.Threading.CancellationToken]::None))
        $b | Should -HaveCount $a.Count
        for ($i = 0; $i -lt $a.Count; $i++) {
            [System.Linq.Enumerable]::SequenceEqual([float[]]$a[$i].Data, [float[]]$b[$i].Data) | Should -BeTrue
        }
    }

    It 'takes [augment] from -Config and lets parameters override it' {
        $config = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), "dp-augment-$([guid]::NewGuid()).toml")
        [System.IO.File]::WriteAllText($config, "[augment]`nrotation_deg = 30`nintensity_scale = [0.5, 2.0]`n")
        try {
            $g = New-BatchGenerator -InputObject $frames -Config $config -RotationDeg 5
            $g.Augmenter.Settings.RotationDeg | Should -Be 5
            $g.Augmenter.Settings.IntensityScale.High | Should -Be 2
        }
        finally {
            [System.IO.File]::Delete($config)
        }
    }

    It 'refuses an intensity range whose low end is above its high end' {
        { New-BatchGenerator -InputObject $frames -IntensityScale 2, 1 } | Should -Throw
    }
}
