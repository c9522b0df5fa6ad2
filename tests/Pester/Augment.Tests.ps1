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

    It 'zooms data, label and positions together, filling the data with -FillValue and the label with 0' {
        # A fixed zoom of 1/2 about the centre: output u (pixel edge at 0) reads 8 + 2 (u - 8), outside the frame for the 4 outer pixels.
        $g = New-BatchGenerator -InputObject $frames -BatchSize 4 -ValidationFraction 0 -Seed 1 -Zoom 0.5, 0.5 -FillMode Constant -FillValue 7 -IntensityShift 1, 1
        $g.Augmenter.ToString() | Should -Be 'zoom [0.5, 0.5], fill constant 7, intensity shift [1, 1]'
        $b = Get-Batch -Generator $g -First 1
        foreach ($j in 0, 3, 12, 15) {
            $b.Data[$j] | Should -Be 8          # row 0: fill 7, then the offset 1
            $b.Data[16 * $j + 5] | Should -Be 8 # column 5 of rows 0, 3, 12, 15
            $b.Label[$j] | Should -Be 0
        }
        $frame = $frames[$b.Indices[0]]
        $b.Positions[0] | Should -HaveCount $frame.Positions.Count
        for ($k = 0; $k -lt $frame.Positions.Count; $k++) {
            [Math]::Abs($b.Positions[0][$k].Row - (8 + ($frame.Positions[$k].Row + 0.5 - 8) / 2 - 0.5)) | Should -BeLessThan 1e-9
            [Math]::Abs($b.Positions[0][$k].Column - (8 + ($frame.Positions[$k].Column + 0.5 - 8) / 2 - 0.5)) | Should -BeLessThan 1e-9
        }
    }

    It 'reads the new [augment] keys and flips left-right only with -FlipHorizontal' {
        $config = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), "dp-augment-$([guid]::NewGuid()).toml")
        [System.IO.File]::WriteAllText($config, "[augment]`nflip_vertical = true`nzoom = [0.9, 1.1]`nshear_deg = 5.0`nelastic_alpha_px = 0.5`nfill_mode = `"reflect`"`n")
        try {
            $g = New-BatchGenerator -InputObject $frames -Config $config
            $g.Augmenter.ToString() | Should -Be 'flip vertical, zoom [0.9, 1.1], shear ±5 deg, elastic 0.5 px (sigma 4 px), fill reflect'
            { New-BatchGenerator -InputObject $frames -Config $config -FillMode Sideways } | Should -Throw
        }
        finally {
            [System.IO.File]::Delete($config)
        }
        $h = New-BatchGenerator -InputObject $frames -BatchSize 12 -ValidationFraction 0 -Seed 2 -FlipHorizontal -Shuffle:$false
        $b = Get-Batch -Generator $h -First 1
        $flipped = 0
        for ($i = 0; $i -lt 12; $i++) {
            $data = [float[]]::new(256); [Array]::Copy($b.Data, 256 * $i, $data, 0, 256)
            $mirror = [float[]]::new(256)
            for ($r = 0; $r -lt 16; $r++) { for ($c = 0; $c -lt 16; $c++) { $mirror[16 * $r + $c] = $frames[$i].Data[16 * $r + 15 - $c] } }
            $same = [System.Linq.Enumerable]::SequenceEqual([float[]]$frames[$i].Data, $data)
            $isMirror = [System.Linq.Enumerable]::SequenceEqual($mirror, $data)
            ($same -or $isMirror) | Should -BeTrue   # never flipped up-down
            if ($isMirror -and -not $same) { $flipped++ }
        }
        $flipped | Should -BeGreaterThan 0
    }

    It 'refuses an intensity range whose low end is above its high end' {
        { New-BatchGenerator -InputObject $frames -IntensityScale 2, 1 } | Should -Throw
    }
}
