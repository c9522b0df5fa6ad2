<#
.SYNOPSIS
    The quick-start study: simulate scatterer frames, train a super-resolution U-Net on them, and
    write the history table, plots and an HTML report named by the run.
    Uses the module already imported, else this clone's staged module (build.ps1 -Task Package),
    else the installed one.
.EXAMPLE
    pwsh -NoProfile -File examples/quickstart.ps1
.EXAMPLE
    ./examples/quickstart.ps1 -OutputDirectory ./runs/today -Epochs 30
#>
param(
    [string] $Config = "$PSScriptRoot/quickstart.toml",
    [string] $OutputDirectory = 'output/quickstart',
    [int] $Epochs = 0
)

if (-not (Get-Module DataPipeline)) {
    $staged = Join-Path $PSScriptRoot '../out/DataPipeline/DataPipeline.psd1'
    Import-Module ((Test-Path -LiteralPath $staged) ? $staged : 'DataPipeline') -ErrorAction Stop
}

$training = @{ Config = $Config; OutputDirectory = $OutputDirectory; Verbose = $true }
if ($Epochs -gt 0) { $training.Epochs = $Epochs }

$run = New-SyntheticFrame -Config $Config |
    New-BatchGenerator -Config $Config |
    Invoke-UNetTraining @training

$files = $run | Export-TrainingHistory -Path $OutputDirectory -PassThru
$run
"History, plots and report: " + (($files | ForEach-Object { $_.FullName }) -join ', ')
if ($run.Status -ne 'Completed') { exit 1 }
