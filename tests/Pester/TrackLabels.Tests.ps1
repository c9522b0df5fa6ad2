# Track labels ([simulation] label = "tracks", New-SyntheticFrame -Label Tracks) and the 3-D U-Net's
# temporal head ([model] temporal_head) in real pwsh against the staged module (Pester 5 syntax).

BeforeAll {
    Import-Module ($env:DATAPIPELINE_MODULE ?? (Join-Path $PSScriptRoot '../../out/DataPipeline/DataPipeline.psd1')) -Force

    # A U-Net small enough to train in seconds: 3-D, depth 2, 4 filters, on 3 x 16 x 16 sequences.
    function New-TrackConfig([string]$Head, [string]$Label = 'tracks') {
        $path = Join-Path $TestDrive "tracks-$Head-$Label.toml"
        @"
[simulation]
count = 24
size = 16
frames = 3
velocity_px = [0.5, 1.5]
label = "$Label"
track_sigma_px = 0.5
seed = 4

[model]
dims = 3
depth = 2
filters = 4
dropout = 0
temporal_head = "$Head"

[batch]
batch_size = 8
validation_fraction = 0.25

[training]
epochs = 2
loss = "bce"
learning_rate = 0.01
threads = 1
seed = 3
"@ | Set-Content -LiteralPath $path
        $path
    }
}

Describe 'New-SyntheticFrame -Label Tracks' {
    It 'gives each sequence one label image at the label resolution, with the positions of every step' {
        $frame = New-SyntheticFrame -Count 1 -Size 16 -Frames 4 -SizeRatio 2 -Label Tracks -Seed 2
        $frame.Shape | Should -Be @(4, 16, 16)
        $frame.LabelShape | Should -Be @(32, 32)
        $frame.LabelsSequence | Should -BeTrue
        $frame.Label.Count | Should -Be 1024
        ($frame.Positions.TimeStep | Sort-Object -Unique) | Should -Contain 0
    }

    It 'draws a sharp path by default and a blurred one with -TrackSigma, from the same positions' {
        $sharp = New-SyntheticFrame -Count 1 -Size 16 -Frames 4 -Label Tracks -Seed 5 -Scatterers 1, 1
        $blurred = New-SyntheticFrame -Count 1 -Size 16 -Frames 4 -Label Tracks -Seed 5 -Scatterers 1, 1 -TrackSigma 1
        $blurred.Positions | Should -Be $sharp.Positions
        # The blur spreads the same path over more pixels.
        @($blurred.Label | Where-Object { $_ -gt 0.01 }).Count | Should -BeGreaterThan @($sharp.Label | Where-Object { $_ -gt 0.01 }).Count
    }

    It 'takes label and track_sigma_px from -Config' {
        $frame = New-SyntheticFrame -Config (New-TrackConfig -Head max) -Count 1
        $frame.LabelShape | Should -Be @(32, 32)
    }

    It 'refuses a negative -TrackSigma before simulating' {
        { New-SyntheticFrame -Count 1 -Label Tracks -TrackSigma -1 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,DataPipeline.PowerShell.Commands.NewSyntheticFrameCommand'
    }

    It 'keeps track labels through a frame store' {
        $store = Join-Path $TestDrive 'tracks.h5'
        $frames = New-SyntheticFrame -Count 5 -Size 16 -Frames 3 -Label Tracks -Seed 9
        $frames | Export-FrameDataset -Path $store
        $back = @(Import-FrameDataset -Path $store)
        $back | Should -HaveCount 5
        $back[4].LabelShape | Should -Be @(32, 32)
        $back[4].Label | Should -Be $frames[4].Label
        $batch = New-BatchGenerator -Path $store -BatchSize 5 -ValidationFraction 0 | Get-Batch | Select-Object -First 1
        $batch.LabelShape | Should -Be @(5, 1, 32, 32)
    }
}

Describe '[model] temporal_head' {
    It 'counts T*c*c + c more parameters for conv than for mean, c the output conv''s input channels' {
        # filters 4 at size_ratio 2: the conv head reads F = 4 channels over T = 3 steps.
        $mean = New-UNetModel -Config (New-TrackConfig -Head mean)
        $conv = New-UNetModel -Config (New-TrackConfig -Head conv)
        $conv.TrainableParameters - $mean.TrainableParameters | Should -Be (3 * 4 * 4 + 4)
        $conv.TimeSteps | Should -Be 3
        $mean.ReducesTime | Should -BeTrue
    }

    It 'refuses a temporal head on a 2-D model with the key to change' {
        $path = Join-Path $TestDrive 'flat.toml'
        "[model]`ntemporal_head = ""max""`n" | Set-Content -LiteralPath $path
        $err = { New-UNetModel -Config $path } | Should -Throw -ErrorId 'InvalidModelConfiguration,DataPipeline.PowerShell.Commands.NewUNetModelCommand' -PassThru
        $err.Exception.Message | Should -Match 'dims = 3'
    }

    It 'trains a sequence model against track labels, predicts one map per sequence and scores it pixel by pixel' {
        $config = New-TrackConfig -Head conv
        $run = New-SyntheticFrame -Config $config | New-BatchGenerator -Config $config |
            Invoke-UNetTraining -Config $config -OutputDirectory (Join-Path $TestDrive 'runs')
        $run.Status | Should -Be 'Completed'
        $run.OutputShape | Should -Be @(32, 32)
        $run.History | ForEach-Object { [double]::IsNaN($_.ValF1) | Should -BeTrue }

        $test = New-SyntheticFrame -Config $config -Count 3 -StartIndex 1000
        $predicted = @($test | Invoke-UNetPrediction -Checkpoint $run.LastCheckpoint)
        $predicted | Should -HaveCount 3
        $predicted[0].PredictionShape | Should -Be @(32, 32)
        $result = $predicted | Measure-Localization -Config $config
        $result.Pixels.TruePositives + $result.Pixels.FalsePositives + $result.Pixels.FalseNegatives + $result.Pixels.TrueNegatives | Should -Be (3 * 32 * 32)

        $scored = $test | Test-UNetModel -Checkpoint $run.LastCheckpoint -Config $config
        $scored.Pixels.TruePositives | Should -Be $result.Pixels.TruePositives
    }

    It 'refuses per-step labels for a model with a temporal head, naming both keys' {
        $config = New-TrackConfig -Head mean -Label positions
        $err = { New-SyntheticFrame -Config $config -Count 8 | New-BatchGenerator -Config $config |
            Invoke-UNetTraining -Config $config -OutputDirectory (Join-Path $TestDrive 'bad') } | Should -Throw -PassThru
        $err.Exception.Message | Should -Match 'label = "tracks" or temporal_head = "none"'
    }

    It 'refuses to track points in a track map' {
        $config = New-TrackConfig -Head max
        $frames = New-SyntheticFrame -Config $config -Count 2
        $model = New-UNetModel -Config $config
        $predicted = $frames | Invoke-UNetPrediction -Model $model
        $tracks = $predicted | Get-ScattererTrack -From Prediction -ErrorVariable problems -ErrorAction SilentlyContinue
        $tracks | Should -BeNullOrEmpty
        $problems | Should -HaveCount 2
        $problems[0].FullyQualifiedErrorId | Should -Be 'FrameNotTrackable,DataPipeline.PowerShell.Commands.GetScattererTrackCommand'
        $problems[0].Exception.Message | Should -BeLike '*one track map*'
    }
}
