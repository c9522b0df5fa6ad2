<#
.SYNOPSIS
    Trains one U-Net on ultrasound-PSF sequences (bubbles flowing along vessels in tissue, SVD clutter
    filter) and one on Gaussian-PSF sequences (same shape, labels, model and training), then tests both on
    the same held-out ultrasound sequences (another seed): F1, precision, recall, and RMSE in wavelengths
    (PALA's unit). Uses the module already imported, else this clone's staged module, else the installed one.
.EXAMPLE
    pwsh -NoProfile -File examples/ultrasound-sequences.ps1
.EXAMPLE
    pwsh -NoProfile -File examples/ultrasound-sequences.ps1 -Count 8 -Epochs 1 -TestSequences 2
#>
param(
    [string] $OutputDirectory = 'output/ultrasound-sequences',
    # Training sequences per network; 0 keeps the configs' count.
    [int] $Count = 0,
    [int] $Epochs = 0,
    [int] $TestSequences = 16,
    [int] $TestSeed = 777
)

if (-not (Get-Module DataPipeline)) {
    $staged = Join-Path $PSScriptRoot '../out/DataPipeline/DataPipeline.psd1'
    Import-Module ((Test-Path -LiteralPath $staged) ? $staged : 'DataPipeline') -ErrorAction Stop
}
$ultrasound = "$PSScriptRoot/ultrasound-sequences.toml"
$gaussian = "$PSScriptRoot/gaussian-sequences.toml"
# ultrasound-sequences.toml's grid: pixel_size_wavelengths = [0.25, 0.25], so one pixel is 0.25 wavelengths.
$wavelengthsPerPixel = 0.25

# Held out: the ultrasound simulator with another seed, sequences neither network has seen, made once.
$test = New-SyntheticFrame -Config $ultrasound -Seed $TestSeed -Count $TestSequences
$results = foreach ($study in @(@{ Name = 'ultrasound'; Config = $ultrasound }, @{ Name = 'gaussian'; Config = $gaussian })) {
    $training = @{ Config = $study.Config; OutputDirectory = (Join-Path $OutputDirectory $study.Name) }
    if ($Epochs -gt 0) { $training.Epochs = $Epochs }
    $simulation = @{ Config = $study.Config }
    if ($Count -gt 0) { $simulation.Count = $Count }
    $started = Get-Date
    $run = New-SyntheticFrame @simulation | New-BatchGenerator -Config $study.Config | Invoke-UNetTraining @training
    $seconds = ((Get-Date) - $started).TotalSeconds
    $score = $test | Test-UNetModel -Checkpoint $run.BestCheckpoint -Config $ultrasound
    [pscustomobject]@{
        TrainedOn       = $study.Name
        TestedOn        = "ultrasound sequences (seed $TestSeed, $TestSequences x $($test[0].TimeSteps) steps)"
        F1              = [math]::Round($score.F1, 3)
        Precision       = [math]::Round($score.Precision, 3)
        Recall          = [math]::Round($score.Recall, 3)
        RmsePx          = [math]::Round($score.RmsePx, 3)
        RmseWavelengths = [math]::Round($score.RmseIn($wavelengthsPerPixel), 3)
        Epochs          = $run.History.Count
        TrainSeconds    = [math]::Round($seconds, 0)
        Evaluation      = $score
    }
}
$results | Format-Table -AutoSize TrainedOn, F1, Precision, Recall, RmsePx, RmseWavelengths, Epochs, TrainSeconds | Out-Host
$results
