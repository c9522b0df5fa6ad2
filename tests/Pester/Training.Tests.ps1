# User-facing behaviour of Invoke-UNetTraining, Export-TrainingHistory and New-TrainingConfig.

BeforeAll {
    Import-Module ($env:DATAPIPELINE_MODULE ?? (Join-Path $PSScriptRoot '../../out/DataPipeline/DataPipeline.psd1')) -Force
}

Describe 'Training a U-Net' {
    BeforeAll {
        $config = [System.IO.Path]::Combine($PSScriptRoot, 'TestData', 'small.toml')
        $runs = [System.IO.Path]::Combine($TestDrive, 'runs')
        $run = New-SyntheticFrame -Count 40 -Size 16 -Seed 2 |
            New-BatchGenerator -Config $config |
            Invoke-UNetTraining -Config $config -Epochs 3 -OutputDirectory $runs
    }

    It 'emits a completed TrainingRun with one history row per epoch' {
        $run.Status | Should -Be 'Completed'
        $run.History | Should -HaveCount 3
        $run.History[2].Epoch | Should -Be 3
    }

    It 'records validation metrics next to training metrics' {
        foreach ($row in $run.History) {
            $row.ValLoss | Should -BeGreaterThan 0
            $row.Dice | Should -BeLessOrEqual 1
            $row.DataWaitSeconds | Should -BeLessThan $row.Seconds
        }
    }

    It 'keeps its best and last checkpoints in a folder named by the run' {
        $run.BestCheckpoint | Should -Exist
        $run.LastCheckpoint | Should -Exist
        $run.OutputDirectory | Should -BeLike "*$($run.RunId)"
    }

    It 'writes history files, plots and a page named by the run with Export-TrainingHistory' {
        $out = [System.IO.Path]::Combine($TestDrive, 'history')
        $files = $run | Export-TrainingHistory -Path $out -Format Csv, Html -PassThru
        $files | Should -HaveCount 2
        $csv = [System.IO.File]::ReadAllLines([System.IO.Path]::Combine($out, "$($run.RunId).history.csv"))
        $csv | Should -HaveCount 4
        $csv[0] | Should -BeLike 'epoch,loss,val_loss,*'
        [System.IO.File]::ReadAllText([System.IO.Path]::Combine($out, "$($run.RunId).html")) | Should -BeLike '*data:image/png;base64,*'
        $run | Export-TrainingHistory -Path $out -Format Png -LogScale
        [System.IO.Path]::Combine($out, "$($run.RunId).loss.png") | Should -Exist
        [System.IO.Path]::Combine($out, "$($run.RunId).summary.png") | Should -Exist
    }

    It 'names the file, line and key of an unknown configuration key' {
        $bad = [System.IO.Path]::Combine($TestDrive, 'bad.toml')
        [System.IO.File]::WriteAllText($bad, "[batch]`nbatch_sise = 4`n")
        { New-SyntheticFrame -Count 4 -Size 16 | Invoke-UNetTraining -Config $bad -ErrorAction Stop } |
            Should -Throw -ExpectedMessage '*bad.toml:2*batch.batch_sise*'
    }
}

Describe 'Choosing the optimizer in the configuration' {
    BeforeAll {
        $small = [System.IO.File]::ReadAllText([System.IO.Path]::Combine($PSScriptRoot, 'TestData', 'small.toml'))
        function Write-Config([string] $name, [string] $training) {
            $path = [System.IO.Path]::Combine($TestDrive, "$name.toml")
            # small.toml ends with its [training] section, which these keys join.
            [System.IO.File]::WriteAllText($path, $small + "`n" + $training)
            $path
        }
    }

    It 'trains with <Name> and PyTorch''s options for it' -ForEach @(
        @{ Name = 'sgd-nesterov'; Training = "optimizer = `"sgd`"`nmomentum = 0.9`nnesterov = true" }
        @{ Name = 'rmsprop-centered'; Training = "optimizer = `"rmsprop`"`ncentered = true`nrmsprop_alpha = 0.9`neps = 1e-6" }
        @{ Name = 'adamw'; Training = "optimizer = `"adamw`"`nweight_decay = 0.01`nbeta1 = 0.85" }
    ) {
        $config = Write-Config $Name $Training
        $run = New-SyntheticFrame -Count 16 -Size 16 -Seed 2 | Invoke-UNetTraining -Config $config -Epochs 2 -OutputDirectory ([System.IO.Path]::Combine($TestDrive, $Name))
        $run.Status | Should -Be 'Completed'
        $run.History | Should -HaveCount 2
        $run.History[1].Loss | Should -BeGreaterThan 0
    }

    It 'refuses nesterov without momentum, naming the key and the file' {
        $config = Write-Config 'bad-nesterov' "optimizer = `"sgd`"`nnesterov = true"
        { New-SyntheticFrame -Count 4 -Size 16 | Invoke-UNetTraining -Config $config -ErrorAction Stop } |
            Should -Throw -ExpectedMessage '*bad-nesterov.toml*training.nesterov*momentum*'
    }
}

Describe 'New-TrainingConfig' {
    It 'writes a commented file with every section that loads back' {
        $path = [System.IO.Path]::Combine($TestDrive, 'all.toml')
        New-TrainingConfig -Path $path | Should -Exist
        $text = [System.IO.File]::ReadAllText($path)
        foreach ($section in 'simulation', 'batch', 'model', 'training', 'evaluation', 'output') {
            $text | Should -Match "\[$section\]"
        }
        { New-SyntheticFrame -Count 2 -Size 16 -Config $path } | Should -Not -Throw
    }
}
