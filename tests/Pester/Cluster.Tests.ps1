# Invoke-TrainingSweep beyond one process: a real single-node Slurm and real PowerShell remoting over
# SSH on loopback (tools/cluster/cluster.sh start), the sweep folder's resumability, the strategies
# and the report. Outside CI a machine without the services skips their tests, saying why; in CI
# (CI=true, .ci/run starts the services) a missing service fails them.

BeforeAll {
    Import-Module ($env:DATAPIPELINE_MODULE ?? (Join-Path $PSScriptRoot '../../out/DataPipeline/DataPipeline.psd1')) -Force
    $config = [System.IO.Path]::Combine($PSScriptRoot, 'TestData', 'small.toml')
    $frames = New-SyntheticFrame -Count 24 -Size 16 -Seed 8
    $grid = @{ 'training.learning_rate' = 0.01, 0.001; 'model.filters' = 4, 6; 'training.epochs' = 2 }
    $sshDir = '/var/lib/datapipeline-cluster/ssh'
    $sshOption = @{ Port = 2222; User = 'root'; IdentityFile = "$sshDir/id_ed25519"; UserKnownHostsFile = "$sshDir/known_hosts"; StrictHostKeyChecking = 'yes' }

    # Outside CI a machine without the services skips the test, saying why; in CI it fails.
    function Assert-Service([string] $Name, [bool] $Up) {
        if ($Up) { return }
        $why = "$Name is not running on this machine: start it with 'bash tools/cluster/cluster.sh start' (.ci/run does)"
        if ($env:CI -eq 'true') { throw "CI=true and $why." }
        Set-ItResult -Skipped -Because $why
    }
    function Assert-SlurmUp {
        Assert-Service 'Slurm (slurmctld and slurmd)' ([bool](Get-Command sinfo -ErrorAction Ignore) -and ((& sinfo -h -o '%t' 2>$null) -match '^(idle|mix|alloc)'))
    }
    function Assert-SshUp {
        Assert-Service 'sshd on 127.0.0.1:2222' ((Test-Path "$sshDir/sshd.pid") -and (Test-Connection 127.0.0.1 -TcpPort 2222 -TimeoutSeconds 2))
    }

    # The numbers a sweep gave, per combination, to compare across backends exactly.
    function Get-Numbers($results) {
        $results | ForEach-Object { '{0}|{1}|{2:R}|{3}|{4}' -f $_.Number, $_.Description, $_.BestValue, $_.BestEpoch, (($_.Run.History | ForEach-Object { $_.ValLoss.ToString('R') }) -join ',') }
    }

    $localFolder = Join-Path $TestDrive 'local'
    $local = $frames | Invoke-TrainingSweep -Config $config -Path $localFolder -Parameter $grid
}

Describe 'The sweep folder' {
    It 'holds a manifest, each combination''s config, the piped frames and a report sorted by the metric' {
        $local | Should -HaveCount 4
        $local.Status | Should -Be @('Completed', 'Completed', 'Completed', 'Completed')
        $manifest = Get-Content (Join-Path $localFolder 'sweep.json') | ConvertFrom-Json
        $manifest.combinations | Should -HaveCount 4
        Test-Path (Join-Path $localFolder 'frames.h5') | Should -BeTrue
        (Import-FrameDataset (Join-Path $localFolder 'frames.h5')).Count | Should -Be 24
        # The combination's config file is the base with its values applied.
        Get-Content (Join-Path $local[3].Folder 'config.toml') -Raw | Should -Match '(?m)^filters = 6'
        Get-Content (Join-Path $local[3].Folder 'config.toml') -Raw | Should -Match '(?m)^learning_rate = 0\.001'

        $rows = Import-Csv (Join-Path $localFolder 'report.csv')
        $rows | Should -HaveCount 4
        $values = $rows | ForEach-Object { [double]$_.best_value }
        $values | Should -Be ($values | Sort-Object)
        $rows[0].number | Should -Be ($local | Sort-Object BestValue | Select-Object -First 1).Number
        $json = Get-Content (Join-Path $localFolder 'report.json') -Raw | ConvertFrom-Json
        $json.number | Should -Be ($rows.number | ForEach-Object { [int]$_ })
        $json[0].best_value | Should -Be ([double]$rows[0].best_value)
        $report = Get-Content (Join-Path $localFolder 'report.html') -Raw
        # One curve figure and one figure per swept key, all inline.
        ([regex]::Matches($report, '<img [^>]*src="data:image/png;base64,')).Count | Should -Be 4
        $report | Should -Match 'model\.filters against the best val_loss'
        $manifest.combinations[0].parameters.'model.filters' | Should -Be 4
    }

    It 're-running the same sweep trains nothing again' {
        $checkpoints = $local | ForEach-Object { (Get-Item $_.Run.LastCheckpoint).LastWriteTimeUtc }
        $again = $frames | Invoke-TrainingSweep -Config $config -Path $localFolder -Parameter $grid -Verbose 4>&1
        $verbose = $again | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        $verbose.Message | Should -Contain '4 of 4 combination(s) already done (or failed twice); 0 to train.'
        $runs = $again | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }
        $runs.RunId | Should -Be $local.RunId
        ($runs | ForEach-Object { (Get-Item $_.Run.LastCheckpoint).LastWriteTimeUtc }) | Should -Be $checkpoints
    }

    It 're-runs a failed combination once, from scratch, and then leaves it' {
        # A learning rate of 1e30 makes every step non-finite in epoch 2: the run fails, deterministically.
        $folder = Join-Path $TestDrive 'failing'
        $failing = @{ 'training.learning_rate' = 1e30; 'training.loss' = 'mse'; 'training.epochs' = 2 }
        $first = $frames | Invoke-TrainingSweep -Config $config -Path $folder -Parameter $failing -WarningAction SilentlyContinue -ErrorAction SilentlyContinue -ErrorVariable failed
        $first.Status | Should -Be 'Failed'
        $failed[0].FullyQualifiedErrorId | Should -Be 'TrainingFailed,DataPipeline.PowerShell.Commands.InvokeTrainingSweepCommand'
        $second = Invoke-TrainingSweep -Path $folder -WarningAction SilentlyContinue -ErrorAction SilentlyContinue
        $second.Status | Should -Be 'Failed'
        $second.RunId | Should -Not -Be $first.RunId
        (Get-Content (Join-Path $folder 'runs/000/state.json') | ConvertFrom-Json).Attempts | Should -Be 2
        $third = Invoke-TrainingSweep -Path $folder -Verbose -WarningAction SilentlyContinue -ErrorAction SilentlyContinue 4>&1
        ($third | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message | Should -Contain '1 of 1 combination(s) already done (or failed twice); 0 to train.'
        (Get-ChildItem (Join-Path $folder 'runs/000') -Directory).Name | Should -Be @($first.RunId, $second.RunId | Sort-Object)
    }

    It 'refuses an -Index outside the sweep' {
        { Invoke-TrainingSweep -Path $localFolder -Index 4 -ErrorAction Stop } |
            Should -Throw -ErrorId 'SweepIndexOutOfRange,DataPipeline.PowerShell.Commands.InvokeTrainingSweepCommand'
    }

    It 'refuses a folder that holds a different sweep, or other frames' {
        { $frames | Invoke-TrainingSweep -Config $config -Path $localFolder -Parameter @{ 'model.filters' = 8 } -ErrorAction Stop } |
            Should -Throw -ErrorId 'SweepFolderInUse,DataPipeline.PowerShell.Commands.InvokeTrainingSweepCommand'
        { $frames | Select-Object -First 20 | Invoke-TrainingSweep -Config $config -Path $localFolder -Parameter $grid -ErrorAction Stop } |
            Should -Throw -ExpectedMessage '*holds 24 frame(s) of `[16x16`], but 20 frame(s) of `[16x16`] were piped in*'
    }

    It 'Get-TrainingSweep reads the state back from disk' {
        $read = Get-TrainingSweep -Path $localFolder
        Get-Numbers $read | Should -Be (Get-Numbers $local)
        { Get-TrainingSweep -Path $TestDrive -ErrorAction Stop } | Should -Throw -ErrorId 'NotASweepFolder,DataPipeline.PowerShell.Commands.GetTrainingSweepCommand'
    }
}

Describe 'Strategies' {
    It 'Halving on 8 combinations trains fewer epochs than the grid and keeps its best' {
        # Two learning rates that train, six that barely move: the grid's best is clearly one of the two.
        $four = Join-Path $TestDrive 'four-epochs.toml'
        (Get-Content $config -Raw) -replace '\[training\]', "[training]`nepochs = 4" | Set-Content $four
        $rates = @{ 'training.learning_rate' = 0.03, 1e-7, 2e-7, 0.01, 3e-7, 4e-7, 5e-7, 6e-7 }
        $gridRuns = $frames | Invoke-TrainingSweep -Config $four -Path (Join-Path $TestDrive 'grid8') -Parameter $rates
        $halving = $frames | Invoke-TrainingSweep -Config $four -Path (Join-Path $TestDrive 'halving8') -Parameter $rates -Strategy Halving
        $halving | Should -HaveCount 8
        ($gridRuns | Measure-Object Epochs -Sum).Sum | Should -Be 32
        # 8 to 1 epoch, the best 4 to 2, the best 2 to 4: 8 + 4 + 4 epochs.
        ($halving | Measure-Object Epochs -Sum).Sum | Should -Be 16
        ($halving.Epochs | Sort-Object) | Should -Be @(1, 1, 1, 1, 2, 2, 4, 4)
        $halving[0].Epochs, $halving[3].Epochs | Should -Be @(4, 4)
        $gridBest = $gridRuns | Sort-Object BestValue | Select-Object -First 1
        $halvingBest = $halving | Sort-Object BestValue | Select-Object -First 1
        $halvingBest.Number | Should -Be $gridBest.Number
        # Promoted runs resumed from their checkpoints give the numbers of an uninterrupted run.
        $halvingBest.BestValue | Should -Be $gridBest.BestValue
    }

    It 'Random draws -Trials distinct combinations, the same ones again for the same seed' {
        $wide = @{ 'training.learning_rate' = 0.01, 0.001, 0.003; 'model.filters' = 4, 6; 'training.epochs' = 1 }
        $a = Invoke-TrainingSweep -Config $config -Path (Join-Path $TestDrive 'random-a') -Parameter $wide -Strategy Random -Trials 2 -Backend Slurm -Submit:$false
        $b = Invoke-TrainingSweep -Config $config -Path (Join-Path $TestDrive 'random-b') -Parameter $wide -Strategy Random -Trials 2 -Backend Slurm -Submit:$false
        $ma = Get-Content (Join-Path $TestDrive 'random-a/sweep.json') -Raw | ConvertFrom-Json
        $mb = Get-Content (Join-Path $TestDrive 'random-b/sweep.json') -Raw | ConvertFrom-Json
        $ma.combinations | Should -HaveCount 2
        $da = $ma.combinations | ForEach-Object { $_.parameters | ConvertTo-Json -Compress }
        $da | Select-Object -Unique | Should -HaveCount 2
        $da | Should -Be ($mb.combinations | ForEach-Object { $_.parameters | ConvertTo-Json -Compress })
        $a.Name | Should -Be 'sweep.sbatch'
        { Invoke-TrainingSweep -Config $config -Parameter $wide -Strategy Random -Path (Join-Path $TestDrive 'random-c') -ErrorAction Stop } |
            Should -Throw -ErrorId 'RandomNeedsTrials,DataPipeline.PowerShell.Commands.InvokeTrainingSweepCommand'
    }
}

Describe 'Slurm backend' {
    It '-Submit:$false writes the array job script and submits nothing' {
        $script = Invoke-TrainingSweep -Config $config -Path (Join-Path $TestDrive 'script') -Backend Slurm -Submit:$false -ThrottleLimit 2 `
            -Partition debug -TimeLimit 00:10:00 -SlurmDirective '--mem=1G', '#SBATCH --comment=sweep' -Parameter @{ 'model.filters' = 4, 6; 'training.device' = 'cuda'; 'training.threads' = 2 }
        $script | Should -BeOfType System.IO.FileInfo
        $text = Get-Content $script.FullName
        $text[0] | Should -Be '#!/bin/bash'
        $text | Should -Contain '#SBATCH --array=0-1%2'
        $text | Should -Contain '#SBATCH --cpus-per-task=2'
        $text | Should -Contain '#SBATCH --gres=gpu:1'
        $text | Should -Contain '#SBATCH --partition=debug'
        $text | Should -Contain '#SBATCH --time=00:10:00'
        $text | Should -Contain '#SBATCH --mem=1G'
        $text | Should -Contain '#SBATCH --comment=sweep'
        $text[-1] | Should -BeLike "exec pwsh -NoProfile -File '*/script/runner.ps1' -Index `"`$SLURM_ARRAY_TASK_ID`" -Module '*DataPipeline.psd1'"
        Get-ChildItem (Join-Path $TestDrive 'script/runs') -Recurse -Directory | Where-Object Name -Match '^\d{8}-' | Should -BeNullOrEmpty
    }

    It 'gives the same results as Local for the same 4-combination sweep' {
        Assert-SlurmUp
        $slurm = $frames | Invoke-TrainingSweep -Config $config -Path (Join-Path $TestDrive 'slurm') -Parameter $grid -Backend Slurm -ThrottleLimit 2
        $slurm | Should -HaveCount 4
        $slurm.Status | Should -Be @('Completed', 'Completed', 'Completed', 'Completed')
        Get-Numbers $slurm | Should -Be (Get-Numbers $local)
        # Each task wrote its own log, named by job and array index.
        (Get-ChildItem (Join-Path $TestDrive 'slurm/slurm') -Filter '*.out').Name | Should -HaveCount 4
    }

    It 'a killed job, re-run, completes without repeating finished combinations' {
        Assert-SlurmUp
        $long = @{ 'training.learning_rate' = 0.01, 0.02; 'model.filters' = 4, 6; 'training.epochs' = 12 }
        $folder = Join-Path $TestDrive 'killed'
        $script = $frames | Invoke-TrainingSweep -Config $config -Path $folder -Parameter $long -Backend Slurm -ThrottleLimit 1 -Submit:$false
        $job = (& sbatch --parsable $script.FullName).Split(';')[0]
        # Kill it once the first combination is done and the second is mid-way.
        $deadline = [DateTime]::UtcNow.AddMinutes(3)
        do {
            Start-Sleep -Milliseconds 200
            $state = Get-TrainingSweep -Path $folder
        } until (($state[0].Status -eq 'Completed' -and $state[1].Epochs -ge 1) -or [DateTime]::UtcNow -gt $deadline)
        & scancel $job
        while (& squeue -h -j $job 2>$null) { Start-Sleep -Milliseconds 200 }

        $killed = Get-TrainingSweep -Path $folder
        $killed[0].Status | Should -Be 'Completed'
        $killed[1].Status | Should -BeIn 'Interrupted', 'Stopped'
        $killed[1].Epochs | Should -BeLessThan 12
        $killed[3].Status | Should -Be 'Pending'
        $firstCheckpoint = (Get-Item $killed[0].Run.LastCheckpoint).LastWriteTimeUtc

        $done = Invoke-TrainingSweep -Path $folder -Backend Slurm -ThrottleLimit 2
        $done.Status | Should -Be @('Completed', 'Completed', 'Completed', 'Completed')
        $done.Epochs | Should -Be @(12, 12, 12, 12)
        # The finished one was not trained again; the interrupted one went on in its own run.
        $done[0].RunId | Should -Be $killed[0].RunId
        (Get-Item $done[0].Run.LastCheckpoint).LastWriteTimeUtc | Should -Be $firstCheckpoint
        $done[1].RunId | Should -Be $killed[1].RunId
        (Get-Content $done[1].Run.LogPath) -match "resumed run $($killed[1].RunId) after epoch $($killed[1].Epochs)" | Should -HaveCount 1
        # And the whole sweep gives the numbers of one that was never interrupted.
        $uninterrupted = $frames | Invoke-TrainingSweep -Config $config -Path (Join-Path $TestDrive 'uninterrupted') -Parameter $long
        Get-Numbers $done | Should -Be (Get-Numbers $uninterrupted)
    }
}

Describe 'Ssh backend' {
    It 'gives the same results as Local over two hosts, with -HostName and with -Session' {
        Assert-SshUp
        $byName = $frames | Invoke-TrainingSweep -Config $config -Path (Join-Path $TestDrive 'ssh-names') -Parameter $grid -Backend Ssh -HostName localhost, 127.0.0.1 -SshOption $sshOption
        $byName.Status | Should -Be @('Completed', 'Completed', 'Completed', 'Completed')
        Get-Numbers $byName | Should -Be (Get-Numbers $local)

        $sessions = 'localhost', '127.0.0.1' | ForEach-Object { New-PSSession -HostName $_ -Options $sshOption }
        try {
            $bySession = $frames | Invoke-TrainingSweep -Config $config -Path (Join-Path $TestDrive 'ssh-sessions') -Parameter $grid -Backend Ssh -Session $sessions -GpusPerHost 2
            Get-Numbers $bySession | Should -Be (Get-Numbers $local)
            # Two hosts, two processes each: combination k ran on lane k mod 4, seeing only GPU (k div 2) mod 2.
            $bySession | ForEach-Object { (Get-Content (Join-Path $_.Folder 'state.json') | ConvertFrom-Json).Devices } | Should -Be @('0', '0', '1', '1')
            # The caller's sessions are left open for the caller.
            $sessions.State | Should -Be @('Opened', 'Opened')
        }
        finally {
            $sessions | Remove-PSSession
        }
    }
}
