<#
.SYNOPSIS
    The ULM study: simulate moving microbubbles, train a 3-D U-Net to localise them, then link the
    predictions into tracks, render density and velocity maps, and score localisation (U-Net against
    the classical localisers) and tracking (against the true tracks). Beside it, a 3-D U-Net with a
    temporal head (ulm-tracks.toml) learns the track image of each sequence directly: one map per
    sequence, scored pixel by pixel against the track labels.
.EXAMPLE
    ./examples/ulm-study.ps1
.EXAMPLE
    ./examples/ulm-study.ps1 -Epochs 3 -MapDirectory ./maps
#>
param(
    [string] $Config = "$PSScriptRoot/ulm-study.toml",
    [string] $TrackConfig = "$PSScriptRoot/ulm-tracks.toml",
    [string] $OutputDirectory = 'output/ulm-study',
    [string] $MapDirectory = 'output/ulm-study/maps',
    [int] $Epochs = 0,
    # Held-out sequences: the same simulator, indices far beyond the training ones.
    [int] $TestCount = 48
)
$ErrorActionPreference = 'Stop'

$training = @{ Config = $Config; OutputDirectory = $OutputDirectory }
if ($Epochs -gt 0) { $training.Epochs = $Epochs }
$run = New-SyntheticFrame -Config $Config | New-BatchGenerator -Config $Config | Invoke-UNetTraining @training
$null = $run | Export-TrainingHistory -Path $OutputDirectory
$model = Import-UNetModel $run.BestCheckpoint

$test = New-SyntheticFrame -Config $Config -Count $TestCount -StartIndex 1000000
$predicted = $test | Invoke-UNetPrediction -Model $model

# Localisation, scored the same way for every method.
$localisation = @(
    [pscustomobject]@{ Method = 'UNet'; Result = $predicted | Measure-Localization -Config $Config }
    foreach ($method in 'WeightedAverage', 'RadialSymmetry', 'GaussianFit') {
        [pscustomobject]@{ Method = $method; Result = $test | Measure-Localization -Config $Config -Method $method -Threshold 0.3 }
    }
) | ForEach-Object {
    [pscustomobject]@{ Method = $_.Method; F1 = [math]::Round($_.Result.F1, 3); Jaccard = [math]::Round($_.Result.Jaccard, 3)
        RmsePx = [math]::Round($_.Result.RmsePx, 3); TP = $_.Result.TruePositives; FP = $_.Result.FalsePositives; FN = $_.Result.FalseNegatives }
}

# Tracking: the U-Net's detections linked, and the true positions linked (what the linker alone loses).
$linking = @{ MaxLinkingDistancePx = 2; MaxGapSteps = 1; MinLength = 3 }
$tracking = foreach ($from in 'Prediction', 'Positions') {
    $score = $predicted | Get-ScattererTrack -From $from @linking -Config $Config -Score
    [pscustomobject]@{ From = $from; TrueLinks = [math]::Round($score.TrueLinkFraction, 3); FalseLinks = [math]::Round($score.FalseLinkFraction, 3)
        TrackJaccard = [math]::Round($score.TrackJaccard, 3); Alpha = [math]::Round($score.Alpha, 3); Beta = [math]::Round($score.Beta, 3) }
}

# Maps on a grid 8 times finer than the data: predicted tracks, and the true tracks for comparison.
$maps = foreach ($from in 'Prediction', 'Positions') {
    $map = $predicted | Get-ScattererTrack -From $from @linking -Config $Config | New-UlmMap -Scale 8
    $map | Export-UlmMap (Join-Path $MapDirectory "ulm-$($from.ToLowerInvariant()).png") -PassThru
    $null = $map | Export-UlmMap (Join-Path $MapDirectory "ulm-$($from.ToLowerInvariant()).mat")
}

# The temporal-head model: the same sequences labelled with their paths, one map per sequence out.
$trackTraining = $training.Clone()
$trackTraining.Config = $TrackConfig
$trackRun = New-SyntheticFrame -Config $TrackConfig | New-BatchGenerator -Config $TrackConfig | Invoke-UNetTraining @trackTraining
$null = $trackRun | Export-TrainingHistory -Path $OutputDirectory
$trackTest = New-SyntheticFrame -Config $TrackConfig -Count $TestCount -StartIndex 1000000
$trackMaps = $trackTest | Invoke-UNetPrediction -Checkpoint $trackRun.BestCheckpoint
$trackScore = $trackMaps | Measure-Localization -Config $TrackConfig
$trackPreview = $trackMaps | Select-Object -First 3 | Export-FramePreview -Path (Join-Path $MapDirectory 'track-maps.png') -PassThru
$trackPixels = [pscustomobject]@{ Model = "temporal head ($("$($trackRun.Config.Model.TemporalHead)".ToLowerInvariant()))"; Precision = [math]::Round($trackScore.Pixels.Precision, 3)
    Recall = [math]::Round($trackScore.Pixels.TruePositiveRate, 3); F1 = [math]::Round($trackScore.Pixels.F1, 3); RocAuc = [math]::Round($trackScore.RocAuc, 3) }

"Run $($run.RunId): $($run.Status), best epoch $($run.BestEpoch) by $($run.Monitor) = $([math]::Round($run.BestValue, 3))"
$localisation | Format-Table -AutoSize | Out-String
$tracking | Format-Table -AutoSize | Out-String
"Maps: " + (($maps | ForEach-Object FullName) -join ', ')
"Track-map run $($trackRun.RunId): $($trackRun.Status), best epoch $($trackRun.BestEpoch) by $($trackRun.Monitor) = $([math]::Round($trackRun.BestValue, 3))"
$trackPixels | Format-Table -AutoSize | Out-String
"Track maps (data, track label, prediction): $($trackPreview.FullName)"
if ($run.Status -ne 'Completed' -or $trackRun.Status -ne 'Completed') { exit 1 }
