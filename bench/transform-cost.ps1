# The cost of New-BatchGenerator -Transform, in real pwsh with the staged module: an epoch of
# batches streamed through the prefetcher with no transform, then with a per-element script
# transform, on the same frames and seed. The last line is one JSON object.
#   pwsh -NoProfile -File bench/transform-cost.ps1 [-Frames 256] [-Size 64] [-BatchSize 16] [-Workers 2]
param(
    [int] $Frames = 256,
    [int] $Size = 64,
    [int] $BatchSize = 16,
    [int] $Workers = 2,
    [string] $Module = (Join-Path $PSScriptRoot '../out/DataPipeline/DataPipeline.psd1')
)
$ErrorActionPreference = 'Stop'
Import-Module $Module -Force
$pool = New-SyntheticFrame -Count $Frames -Size $Size -Seed 7
$transform = {
    param($batch, $random)
    $data = $batch.Data
    $gain = [float] (0.5 + $random.NextDouble())
    for ($i = 0; $i -lt $data.Length; $i++) { $data[$i] = $data[$i] * $gain }
}
function Epoch($generator) {
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    $count = 0
    foreach ($batch in $generator.Stream([DataPipeline.Engine.Batching.BatchPrefetcher]::new(), 'Training', 0)) { $count++ }
    [pscustomobject]@{ Batches = $count; Seconds = $clock.Elapsed.TotalSeconds }
}
$common = @{ BatchSize = $BatchSize; Workers = $Workers; ValidationFraction = 0; Seed = 3 }
$plain = Epoch ($pool | New-BatchGenerator @common)
$generator = $pool | New-BatchGenerator @common -Transform $transform
$null = Epoch $generator   # warm-up: the pool's runspaces compile the script once each
$warm = $generator.TransformStatistics.Batches
$warmMs = $generator.TransformStatistics.Total.TotalMilliseconds
$timed = Epoch $generator
$transformMs = ($generator.TransformStatistics.Total.TotalMilliseconds - $warmMs) / ($generator.TransformStatistics.Batches - $warm)
"transform-cost: $Frames frames of ${Size}x${Size}, batches of $BatchSize, $Workers worker(s)"
"transform-cost: no transform $([Math]::Round(1000 * $plain.Seconds / $plain.Batches, 3)) ms/batch wall; with transform $([Math]::Round(1000 * $timed.Seconds / $timed.Batches, 3)) ms/batch wall, $([Math]::Round($transformMs, 3)) ms/batch in the transform (summed over workers)"
[ordered]@{
    bench = 'datapipeline_transform'; frames = $Frames; size = $Size; batch_size = $BatchSize; workers = $Workers
    plain_ms_per_batch = 1000 * $plain.Seconds / $plain.Batches
    transformed_ms_per_batch = 1000 * $timed.Seconds / $timed.Batches
    transform_ms_per_batch = $transformMs
    load_1min = [double]((Get-Content /proc/loadavg -ErrorAction Ignore) -split ' ')[0]
} | ConvertTo-Json -Compress
