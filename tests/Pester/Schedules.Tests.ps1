# User-facing behaviour of [schedules] (issue 17, elektronn2's rows) and the new [model] options (Pester 5 syntax).

BeforeAll {
    Import-Module ($env:DATAPIPELINE_MODULE ?? (Join-Path $PSScriptRoot '../../out/DataPipeline/DataPipeline.psd1')) -Force
    $dir = Join-Path ([System.IO.Path]::GetTempPath()) ("dp-schedules-" + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $dir | Out-Null
    $small = Get-Content -Raw (Join-Path $PSScriptRoot 'TestData/small.toml')
}

AfterAll { Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction SilentlyContinue }

Describe '[schedules]' {
    It 'sets the learning rate, momentum and dropout of every step' {
        $config = Join-Path $dir 'sched.toml'
        $small.Replace("[training]`n", "[training]`noptimizer = `"sgd`"`nmomentum = 0.5`n").Replace("dropout = 0`n", "dropout = 0.4`n") + @'

[schedules]
learning_rate = { kind = "dec", factor = 0.5, per = "epoch" }
momentum = { kind = "lindec", target = 0.9, steps = 4, per = "iteration" }
dropout = { kind = "list", values = { 1 = 0.1 }, per = "epoch" }
'@ | Set-Content -LiteralPath $config
        # 16 frames, 12 for training in batches of 8: 2 steps per epoch.
        $run = New-SyntheticFrame -Count 16 -Config $config |
            Invoke-UNetTraining -Config $config -Epochs 3 -OutputDirectory (Join-Path $dir 'runs')
        $run.Status | Should -Be 'Completed'
        $run.History.LearningRate | Should -Be @(0.01, 0.005, 0.0025)
        $log = Get-Content -LiteralPath $run.LogPath
        # Iterations done before epochs 1, 2, 3: 0, 2, 4; momentum 0.5 + 0.4 * n / 4.
        $log -match 'epoch 1 starts with learning_rate 0.01, momentum 0.5, dropout 0.4$' | Should -HaveCount 1
        $log -match 'epoch 2 starts with learning_rate 0.005, momentum 0.7, dropout 0.1$' | Should -HaveCount 1
        $log -match 'epoch 3 starts with learning_rate 0.0025, momentum 0.9, dropout 0.1$' | Should -HaveCount 1
    }

    It 'refuses a momentum schedule for an optimizer without momentum, naming the key' {
        $config = Join-Path $dir 'adadelta.toml'
        $small.Replace("[training]`n", "[training]`noptimizer = `"adadelta`"`n") +
            "`n[schedules]`nmomentum = { kind = `"lindec`", target = 0.9, steps = 10 }`n" | Set-Content -LiteralPath $config
        { New-SyntheticFrame -Count 16 -Config $config | Invoke-UNetTraining -Config $config -Epochs 1 -OutputDirectory (Join-Path $dir 'runs') -ErrorAction Stop } |
            Should -Throw -ExpectedMessage '*schedules.momentum*Adadelta has none*'
    }

    It 'reports a malformed schedule with its file, line and key' {
        $config = Join-Path $dir 'bad.toml'
        "[schedules]`nmomentum = { kind = `"lindec`", target = 0.9 }`n" | Set-Content -LiteralPath $config
        { New-UNetModel -Config $config -ErrorAction Stop } | Should -Throw -ExpectedMessage "*bad.toml:2*'steps' is missing*"
    }

    It 'is in the template New-TrainingConfig writes, commented out' {
        $path = Join-Path $dir 'template.toml'
        New-TrainingConfig -Path $path
        $text = Get-Content -Raw $path
        $text | Should -Match '(?m)^\[schedules\]$'
        $text | Should -Match '(?m)^# momentum = \{ kind = "lindec", target = 0.99, steps = 1000, per = "iteration" \}$'
    }
}

Describe '[model] activation = "sigmoid" and the original''s other sub-pixel up-samplings' {
    It 'builds the networks PyTorch counts for the same options' -ForEach @(
        @{ Lines = 'activation = "sigmoid"'; Expected = 501809 }
        @{ Lines = 'up_sampling = "shuffle_conv"'; Expected = 481313 }
        @{ Lines = 'up_sampling = "conv_subpixel"'; Expected = 501809 }   # the original's name for subpixel
        @{ Lines = "up_sampling = `"simple_subpixel`"`nskip = `"concat`""; Expected = 480753 }
    ) {
        $config = Join-Path $dir 'model.toml'
        "[model]`nfilters = 16`n$Lines`n" | Set-Content -LiteralPath $config
        $model = New-UNetModel -Config $config -SizeRatio 2
        $model.TrainableParameters | Should -Be $Expected
    }

    It 'refuses simple_subpixel with skip = "add", naming the key to change' {
        $config = Join-Path $dir 'add.toml'
        "[model]`nfilters = 16`nup_sampling = `"simple_subpixel`"`n" | Set-Content -LiteralPath $config
        { New-UNetModel -Config $config -ErrorAction Stop } | Should -Throw -ExpectedMessage "*model.skip*concat*"
    }
}
