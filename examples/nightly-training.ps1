<#
.SYNOPSIS
    The nightly study for cron or a systemd timer: import the day's MAT files (or simulate frames
    when no folder is given), train, and write the run's report. Run it with
    dpsh -NonInteractive -File; examples/nightly-training.sh does that and keeps a log.
.EXAMPLE
    dpsh -NonInteractive -File examples/nightly-training.ps1 -DataPath /data/sarus/today -Config /data/study.toml
.EXAMPLE
    dpsh -NonInteractive -File examples/nightly-training.ps1 -Config examples/quickstart.toml -Epochs 2
#>
param(
    [string] $Config = "$PSScriptRoot/quickstart.toml",
    # A folder of .mat files; the [data] section of -Config names their variables. Empty: simulate.
    [string] $DataPath = '',
    [string] $OutputDirectory = 'output/nightly',
    [int] $Epochs = 0
)

# Any error ends the script, so dpsh exits with 1 and the scheduler sees the failure.
$ErrorActionPreference = 'Stop'
# A log, not a terminal: no progress records (dpsh -NonInteractive already starts so; pwsh does not).
$ProgressPreference = 'SilentlyContinue'

# Frames stream into the generator; a night's folder is never held twice in memory.
$generator = if ($DataPath) {
    Import-MatDataset -Path $DataPath -Recurse -Config $Config | New-BatchGenerator -Config $Config
} else {
    New-SyntheticFrame -Config $Config | New-BatchGenerator -Config $Config
}

# The run's lines also go to one log shared by every night, next to the run folders.
$training = @{
    Config = $Config
    OutputDirectory = [System.IO.Path]::Combine($OutputDirectory, 'runs')
    LogPath = [System.IO.Path]::Combine($OutputDirectory, 'training.log')
}
if ($Epochs -gt 0) { $training.Epochs = $Epochs }

$run = $generator | Invoke-UNetTraining @training
$report = $run | Export-TrainingHistory -Path ([System.IO.Path]::Combine($OutputDirectory, 'reports')) -LogScale -PassThru
$run
'Report: ' + ($report | Where-Object { $_.Extension -eq '.html' }).FullName

# A run that ran but did not finish (a non-finite loss, a stop) is a failure for the scheduler too.
if ($run.Status -notin 'Completed', 'EarlyStopped') { exit 4 }
