<#
.SYNOPSIS
    The nightly study for cron, a systemd timer or Task Scheduler: import the day's MAT files (or
    simulate frames when no folder is given), train, and write the run's report. Run it with
    pwsh -NoProfile -NonInteractive -File; examples/nightly-training.sh does that and keeps a log.
.DESCRIPTION
    Exit codes: 0 the run completed (or stopped early on its own); 4 the run ended Failed or
    Stopped (its history, last.ckpt and run.log are still written); 1 the script could not train
    at all (no module, a bad configuration, no data), as pwsh -File reports any uncaught error.
.EXAMPLE
    pwsh -NoProfile -NonInteractive -File examples/nightly-training.ps1 -DataPath /data/sarus/today -Config /data/study.toml
.EXAMPLE
    pwsh -NoProfile -NonInteractive -File examples/nightly-training.ps1 -Module ./out/DataPipeline/DataPipeline.psd1 -Config examples/quickstart.toml -Epochs 2
#>
param(
    [string] $Config = "$PSScriptRoot/quickstart.toml",
    # A folder of .mat files; the [data] section of -Config names their variables. Empty: simulate.
    [string] $DataPath = '',
    [string] $OutputDirectory = 'output/nightly',
    [int] $Epochs = 0,
    # The module to import: its name when installed (Install-PSResource), or a staged manifest's path.
    [string] $Module = 'DataPipeline',
    # Failed epochs to run again from last.ckpt before the run fails (a transient fault costs one epoch).
    [int] $RetryFailedEpoch = 1
)

# Any error that prevents training ends the script, and pwsh -File exits with 1.
$ErrorActionPreference = 'Stop'
# A log, not a terminal: no progress records.
$ProgressPreference = 'SilentlyContinue'
Import-Module $Module

# Frames stream into the generator; a night's folder is never held twice in memory.
$generator = if ($DataPath) {
    Import-MatDataset -Path $DataPath -Recurse -Config $Config | New-BatchGenerator -Config $Config
} else {
    New-SyntheticFrame -Config $Config | New-BatchGenerator -Config $Config
}

# The run's lines also go to one log shared by every night, next to the run folders.
$training = @{
    Config = $Config
    OutputDirectory = Join-Path $OutputDirectory 'runs'
    LogPath = Join-Path $OutputDirectory 'training.log'
    RetryFailedEpoch = $RetryFailedEpoch
}
if ($Epochs -gt 0) { $training.Epochs = $Epochs }

# A run that fails is still emitted (with its error on stderr), so that its report is written too.
$run = $generator | Invoke-UNetTraining @training -ErrorAction Continue
if ($null -eq $run) { throw 'Invoke-UNetTraining gave no run.' }
$report = $run | Export-TrainingHistory -Path (Join-Path $OutputDirectory 'reports') -LogScale -PassThru
$run | Format-List RunId, Status, EpochsCompleted, BestEpoch, BestValue, LastCheckpoint | Out-String -Width 200
'Report: ' + ($report | Where-Object Extension -eq '.html').FullName

# A run that did not finish (an error, a non-finite loss, a stop) is a failure for the scheduler too.
if ($run.Status -notin 'Completed', 'EarlyStopped') {
    [Console]::Error.WriteLine("Run $($run.RunId) ended $($run.Status): $($run.Message)")
    exit 4
}
