# New-UNetModel, Import-UNetModel, Invoke-UNetPrediction, resuming, and the study end to end.

BeforeAll {
    Import-Module ($env:DATAPIPELINE_MODULE ?? (Join-Path $PSScriptRoot '../../out/DataPipeline/DataPipeline.psd1')) -Force
}

Describe 'New-UNetModel' {
    It 'builds the original pipeline''s U-Net with its 7,977,921 trainable parameters' {
        # ../shared sits beside the repository; find the repository from wherever this file runs.
        $dir = [System.IO.DirectoryInfo]::new($PSScriptRoot)
        while (-not [System.IO.File]::Exists([System.IO.Path]::Combine($dir.FullName, 'DataPipeline.sln'))) { $dir = $dir.Parent }
        $config = [System.IO.Path]::Combine($dir.Parent.FullName, 'shared', 'bench', 'configs', 'unet2d-seed.toml')
        $model = New-UNetModel -Config $config
        $model.TrainableParameters | Should -Be 7977921
        $model.TotalParameters | Should -Be 7983041
        $model.CheckpointPath | Should -BeNullOrEmpty
        ($model.Layers | Where-Object { $_.Type -eq 'Conv2d' }) | Should -HaveCount 27
    }
}

Describe 'A study from simulation to localisation' {
    BeforeAll {
        $config = [System.IO.Path]::Combine($PSScriptRoot, 'TestData', 'small.toml')
        $runs = [System.IO.Path]::Combine($TestDrive, 'runs')
        $run = New-SyntheticFrame -Count 40 -Size 16 -Seed 5 -Config $config |
            Invoke-UNetTraining -Config $config -Epochs 2 -OutputDirectory $runs
        $model = Import-UNetModel -Path $run.BestCheckpoint
    }

    It 'imports the trained model from its checkpoint' {
        $model.CheckpointPath | Should -Be $run.BestCheckpoint
        $model.RunId | Should -Be $run.RunId
        $model.TrainableParameters | Should -Be $run.TrainableParameters
        $model.FrameShape | Should -Be @(16, 16)
    }

    It 'predicts label-shaped maps for new frames' {
        $predicted = New-SyntheticFrame -Count 5 -Size 16 -StartIndex 100 -Seed 5 | Invoke-UNetPrediction -Model $model -BatchSize 2
        $predicted | Should -HaveCount 5
        $predicted[4].Index | Should -Be 104
        $predicted[0].PredictionShape | Should -Be @(32, 32)
        ($predicted[0].Prediction | Where-Object { $_ -lt 0 -or $_ -gt 1 }) | Should -BeNullOrEmpty
    }

    It 'scores the predictions against the true scatterer positions' {
        $result = New-SyntheticFrame -Count 5 -Size 16 -StartIndex 100 -Seed 5 |
            Invoke-UNetPrediction -Checkpoint $run.BestCheckpoint |
            Measure-Localization -Threshold 0.3
        $result.TruePositives + $result.FalseNegatives | Should -BeGreaterThan 0
    }

    It 'continues an interrupted run with -Resume' {
        $resumed = New-SyntheticFrame -Count 40 -Size 16 -Seed 5 -Config $config |
            Invoke-UNetTraining -Resume $run.LastCheckpoint -Epochs 3
        $resumed.RunId | Should -Be $run.RunId
        $resumed.History | Should -HaveCount 3
        $resumed.History[0].Loss | Should -Be $run.History[0].Loss
        [System.IO.File]::ReadAllText($resumed.LogPath) | Should -Match 'resumed run'
    }

    It 'refuses a file that is not a checkpoint' {
        $bogus = [System.IO.Path]::Combine($TestDrive, 'bogus.ckpt')
        [System.IO.File]::WriteAllText($bogus, 'hello')
        { Import-UNetModel -Path $bogus -ErrorAction Stop } | Should -Throw -ExpectedMessage '*not a DataPipeline checkpoint*'
    }
}

Describe 'A 3-D study on moving scatterers' {
    It 'trains, predicts and scores sequences end to end' {
        $config = [System.IO.Path]::Combine($PSScriptRoot, 'TestData', 'small3d.toml')
        $run = New-SyntheticFrame -Count 24 -Config $config |
            Invoke-UNetTraining -Config $config -Epochs 2 -OutputDirectory ([System.IO.Path]::Combine($TestDrive, 'runs3d'))
        $run.Status | Should -Be 'Completed'
        $run.InputShape | Should -Be @(4, 16, 16)
        $run.OutputShape | Should -Be @(4, 32, 32)
        foreach ($row in $run.History) { $row.SkippedSteps | Should -Be 0 }

        $result = New-SyntheticFrame -Count 4 -StartIndex 50 -Config $config |
            Invoke-UNetPrediction -Checkpoint $run.BestCheckpoint |
            Measure-Localization -Threshold 0.3
        $result.Frames | Should -HaveCount 4
        $result.Frames[0].Steps | Should -HaveCount 4
    }
}
