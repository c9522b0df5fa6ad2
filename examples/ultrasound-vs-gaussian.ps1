<#
.SYNOPSIS
    Trains one U-Net on ultrasound-PSF frames and one on Gaussian frames (same model, labels and training),
    then tests both on held-out ultrasound frames (another seed): F1, and RMSE in wavelengths (PALA's unit).
    Uses the module already imported, else this clone's staged module, else the installed one.
.EXAMPLE
    pwsh -NoProfile -File examples/ultrasound-vs-gaussian.ps1 -Epochs 8
#>
param(
    [string] $OutputDirectory = 'output/ultrasound-vs-gaussian',
    [int] $Epochs = 0,
    [int] $TestFrames = 100
)

if (-not (Get-Module DataPipeline)) {
    $staged = Join-Path $PSScriptRoot '../out/DataPipeline/DataPipeline.psd1'
    Import-Module ((Test-Path -LiteralPath $staged) ? $staged : 'DataPipeline') -ErrorAction Stop
}
$ultrasound = "$PSScriptRoot/ultrasound.toml"
$gaussian = "$PSScriptRoot/gaussian-matched.toml"
# The grid is lambda/4 along both axes, so one pixel is 0.25 wavelengths.
$wavelengthsPerPixel = 0.25

$results = foreach ($study in @(@{ Name = 'ultrasound'; Config = $ultrasound }, @{ Name = 'gaussian'; Config = $gaussian })) {
    $training = @{ Config = $study.Config; OutputDirectory = (Join-Path $OutputDirectory $study.Name) }
    if ($Epochs -gt 0) { $training.Epochs = $Epochs }
    $started = Get-Date
    $run = New-SyntheticFrame -Config $study.Config | New-BatchGenerator -Config $study.Config | Invoke-UNetTraining @training
    $seconds = ((Get-Date) - $started).TotalSeconds
    # Held out: the ultrasound simulator with another seed, frames neither network has seen.
    $test = New-SyntheticFrame -Config $ultrasound -Seed 777 -Count $TestFrames |
        Test-UNetModel -Checkpoint $run.BestCheckpoint -Config $ultrasound
    [pscustomobject]@{
        TrainedOn       = $study.Name
        TestedOn        = "ultrasound (seed 777, $TestFrames frames)"
        F1              = [math]::Round($test.F1, 3)
        Precision       = [math]::Round($test.Precision, 3)
        Recall          = [math]::Round($test.Recall, 3)
        RmseWavelengths = [math]::Round($test.RmseIn($wavelengthsPerPixel), 3)
        Epochs          = $run.History.Count
        TrainSeconds    = [math]::Round($seconds, 0)
    }
}
$results | Format-Table -AutoSize
$results
