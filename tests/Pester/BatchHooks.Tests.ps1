# New-BatchGenerator's ketos rows (issue 17): a query on a store's metadata that reads no frame,
# a per-batch transform on the prefetch workers, and n_extend-style sequence windows, in real pwsh.

BeforeAll {
    Import-Module ($env:DATAPIPELINE_MODULE ?? (Join-Path $PSScriptRoot '../../out/DataPipeline/DataPipeline.psd1')) -Force
    $config = Join-Path $PSScriptRoot 'TestData/small.toml'
    # 2x2 frames whose data is all $value and whose 4x4 label is all 10 * $value.
    function Step([string] $source, [int] $index, [float] $value) {
        [DataPipeline.Engine.Frames.Frame]::new([float[]](@($value) * 4), [int[]](2, 2), [float[]](@(10 * $value) * 16), [int[]](4, 4), $source, $index, $null, $null)
    }
    # Step values of sample $i of a batch whose samples are $steps steps of 2x2.
    function StepsOf($batch, [int] $i, [int] $steps) {
        foreach ($j in 0..($steps - 1)) { $batch.Data[($i * $steps + $j) * 4] }
    }
}

Describe 'New-BatchGenerator -Filter' {
    BeforeAll {
        $frames = New-SyntheticFrame -Count 40 -Size 16 -Scatterers 1, 8 -Seed 3
        $store = Join-Path $TestDrive 'sim.h5'
        $frames | Export-FrameDataset -Path $store
        $rich = @($frames | Where-Object { $_.ScattererCount -gt 3 })
    }

    It 'keeps the frames of a store whose metadata matches, without reading a frame' {
        $rich.Count | Should -BeGreaterThan 5
        $rich.Count | Should -BeLessThan 40
        $generator = New-BatchGenerator -Path $store -Filter { $_.Scatterers -gt 3 } -BatchSize 4 -ValidationFraction 0 -Verbose 4>&1 |
            Tee-Object -Variable output | Where-Object { $_ -is [DataPipeline.Engine.Batching.BatchGenerator] }
        $generator.FrameCount | Should -Be $rich.Count
        # The query read the store's metadata datasets only: not one chunk of frames so far.
        $generator.Source.Inner.BlocksRead | Should -Be 0
        ($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message |
            Should -Be "-Filter kept $($rich.Count) of 40 frames of $store, judged on their metadata alone."
        $indices = @($generator | Get-Batch).Indices
        $indices | ForEach-Object { $generator.ReadFrame($_).ScattererCount } | Where-Object { $_ -le 3 } | Should -BeNullOrEmpty
        @($indices | ForEach-Object { $generator.ReadFrame($_).Index } | Sort-Object) | Should -Be @($rich.Index | Sort-Object)
    }

    It 'answers from a store whose frame chunks are damaged, since it reads none of them' {
        # Noisy 64x64 frames do not compress, so their chunks fill the middle of the file: overwrite it.
        $big = New-SyntheticFrame -Count 64 -Size 64 -Scatterers 1, 8 -NoiseStd 0.2 -Seed 3
        $damaged = Join-Path $TestDrive 'damaged.h5'
        $big | Export-FrameDataset -Path $damaged
        $bytes = [System.IO.File]::ReadAllBytes($damaged)
        [Array]::Fill($bytes, [byte] 0xAB, [int]($bytes.Length / 4), [int]($bytes.Length / 2))
        [System.IO.File]::WriteAllBytes($damaged, $bytes)

        $generator = New-BatchGenerator -Path $damaged -Filter { $_.Scatterers -gt 3 } -ValidationFraction 0
        $generator.FrameCount | Should -Be @($big | Where-Object { $_.ScattererCount -gt 3 }).Count
        # The frames themselves are unreadable now, and say so.
        { Import-FrameDataset -Path $damaged -ErrorAction Stop } | Should -Throw -ErrorId 'FrameStoreDamaged,*'
        $failure = try { $generator | Get-Batch -ErrorAction Stop } catch { $_ }
        $failure.FullyQualifiedErrorId | Should -Be 'FrameStoreUnreadable,DataPipeline.PowerShell.Commands.GetBatchCommand'
        $failure.TargetObject | Should -Be $damaged
    }

    It 'queries piped frames on the same metadata' {
        $generator = $frames | New-BatchGenerator -Filter { $_.Index % 4 -eq 0 -and $_.Generator } -ValidationFraction 0
        $generator.FrameCount | Should -Be 10
        0..9 | ForEach-Object { $generator.ReadFrame($_).Index } | Should -Be (0..9 | ForEach-Object { 4 * $_ })
    }

    It 'stops with FilterKeptNothing when no frame matches, and FilterFailed naming the frame when the query throws' {
        { New-BatchGenerator -Path $store -Filter { $_.Scatterers -gt 1000 } -WarningAction SilentlyContinue } |
            Should -Throw -ErrorId 'FilterKeptNothing,DataPipeline.PowerShell.Commands.NewBatchGeneratorCommand'
        $failure = try { New-BatchGenerator -Path $store -Filter { if ($_.Index -eq 7) { throw 'no such field' } else { $true } } } catch { $_ }
        $failure.FullyQualifiedErrorId | Should -Be 'FilterFailed,DataPipeline.PowerShell.Commands.NewBatchGeneratorCommand'
        $failure.TargetObject.Index | Should -Be 7
        "$failure" | Should -BeLike '*frame 7 of*no such field*'
    }
}

Describe 'New-BatchGenerator -Transform' {
    BeforeAll {
        $frames = New-SyntheticFrame -Count 24 -Size 16 -Seed 5 -Config $config
    }

    It 'changes every batch as the script says, the same batches on any number of workers' {
        $plain = $frames | New-BatchGenerator -BatchSize 4 -ValidationFraction 0.25 -Seed 2
        $double = {
            param($batch, $random)
            $data = $batch.Data
            $shift = [float] $random.NextDouble()
            for ($i = 0; $i -lt $data.Length; $i++) { $data[$i] = 2 * $data[$i] + $shift }
        }
        $doubled = $frames | New-BatchGenerator -BatchSize 4 -ValidationFraction 0.25 -Seed 2 -Transform $double
        $before = @($plain | Get-Batch)
        $after = @($doubled | Get-Batch)
        $after.Count | Should -Be 5
        for ($b = 0; $b -lt 5; $b++) {
            $shift = $after[$b].Data[0] - 2 * $before[$b].Data[0]
            $shift | Should -BeGreaterOrEqual 0
            $shift | Should -BeLessThan 1
            [Math]::Abs($after[$b].Data[100] - (2 * $before[$b].Data[100] + $shift)) | Should -BeLessThan 1e-5
        }
        # Same seed, same draws: on three workers, through the prefetcher, the batches are equal.
        $workers = $frames | New-BatchGenerator -BatchSize 4 -ValidationFraction 0.25 -Seed 2 -Workers 3 -Transform $double
        $streamed = @($workers.Stream([DataPipeline.Engine.Batching.BatchPrefetcher]::new(), 'Training', 0))
        for ($b = 0; $b -lt 5; $b++) { $streamed[$b].Data | Should -Be $after[$b].Data }
        $workers.TransformStatistics.Batches | Should -Be 5
    }

    It 'runs on the prefetch workers, not on the caller''s thread' {
        $generator = $frames | New-BatchGenerator -BatchSize 4 -ValidationFraction 0 -Workers 2 -Transform {
            param($batch)
            $batch.Data[0] = [Environment]::CurrentManagedThreadId
        }
        $threads = @($generator.Stream([DataPipeline.Engine.Batching.BatchPrefetcher]::new(), 'Training', 0)) | ForEach-Object { $_.Data[0] }
        $threads.Count | Should -Be 6
        $threads | Should -Not -Contain ([float][Environment]::CurrentManagedThreadId)
    }

    It 'reports its cost per batch' {
        $generator = $frames | New-BatchGenerator -BatchSize 4 -ValidationFraction 0 -Transform { param($batch) $batch.Label[0] = 1 }
        $verbose = $generator | Get-Batch -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        $verbose.Message | Should -Match '^-Transform: 6 batches, [0-9.]+ ms per batch'
        $generator.TransformStatistics.Batches | Should -Be 6
        $generator.TransformStatistics.MeanMilliseconds | Should -BeGreaterThan 0
        ($generator | Format-List | Out-String) | Should -Match 'TransformStatistics\s*: 6 batches'
    }

    It 'fails a batch with an error whose target is the batch''s id' {
        $generator = $frames | New-BatchGenerator -BatchSize 4 -ValidationFraction 0 -Transform {
            param($batch)
            if ($batch.Number -eq 2) { throw 'bad batch' }
        }
        $got = $generator | Get-Batch -Epoch 2 -ErrorVariable failed -ErrorAction SilentlyContinue
        $got.Number | Should -Be 0, 1
        $failed | Should -HaveCount 1
        $failed[0].FullyQualifiedErrorId | Should -Be 'BatchTransformFailed,DataPipeline.PowerShell.Commands.GetBatchCommand'
        $failed[0].TargetObject | Should -Be 'training/epoch 2/batch 2'
        $failed[0].CategoryInfo.Category | Should -Be 'InvalidResult'
        "$failed" | Should -BeLike '*training batch 2 of epoch 2*bad batch*'
    }

    It 'fails a training run with the same error, and trains with a working one' {
        $failing = $frames | New-BatchGenerator -Config $config -Transform { param($batch) if ($batch.Number -eq 1) { Write-Error 'no good' } }
        $run = $failing | Invoke-UNetTraining -Config $config -Epochs 1 -OutputDirectory (Join-Path $TestDrive 'fail') -ErrorVariable failed -ErrorAction SilentlyContinue
        $run.Status | Should -Be 'Failed'
        $failed[0].FullyQualifiedErrorId | Should -Be 'BatchTransformFailed,DataPipeline.PowerShell.Commands.InvokeUNetTrainingCommand'
        $failed[0].TargetObject | Should -Be 'training/epoch 1/batch 1'
        $failed[0].Exception.InnerException.Message | Should -BeLike '*no good*'

        $working = $frames | New-BatchGenerator -Config $config -Workers 2 -Transform { param($batch) $batch.Data[0] = 0 }
        $verbose = $working | Invoke-UNetTraining -Config $config -Epochs 1 -OutputDirectory (Join-Path $TestDrive 'ok') -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like '-Transform:*' }
        $verbose.Message | Should -Match '^-Transform: [0-9]+ batches, [0-9.]+ ms per batch'
    }
}

Describe 'New-BatchGenerator -SequenceWindow' {
    It 'stacks each frame with its recording''s neighbouring steps, repeating the ends' {
        $frames = @(0..4 | ForEach-Object { Step 'rec' $_ $_ }) + @(Step 'other' 0 100; Step 'other' 1 101)
        $generator = $frames | New-BatchGenerator -SequenceWindow 1 -BatchSize 7 -ValidationFraction 0 -Shuffle:$false
        $generator.SequenceWindow | Should -Be 1
        $batch = $generator | Get-Batch
        $batch.Shape | Should -Be 7, 1, 3, 2, 2
        $batch.LabelShape | Should -Be 7, 1, 3, 4, 4
        StepsOf $batch 0 3 | Should -Be 0, 0, 1
        StepsOf $batch 2 3 | Should -Be 1, 2, 3
        StepsOf $batch 4 3 | Should -Be 3, 4, 4
        StepsOf $batch 5 3 | Should -Be 100, 100, 101
        $batch.Label[2 * 48 + 16] | Should -Be 20   # sample 2, step 1: the centre's label
    }

    It 'takes [batch] sequence_window from the config, and the lab''s name -NExtend' {
        $toml = Join-Path $TestDrive 'window.toml'
        "[batch]`nsequence_window = 2`nvalidation_fraction = 0`nshuffle = false`nbatch_size = 5" | Set-Content -LiteralPath $toml
        $frames = @(0..4 | ForEach-Object { Step 'rec' $_ (10 + $_) })
        $batch = $frames | New-BatchGenerator -Config $toml | Get-Batch
        StepsOf $batch 0 5 | Should -Be 10, 10, 10, 11, 12
        StepsOf $batch 3 5 | Should -Be 11, 12, 13, 14, 14
        ($frames | New-BatchGenerator -NExtend 1 -ValidationFraction 0).FrameShape | Should -Be 3, 2, 2
    }

    It 'refuses frames that are already sequences' {
        { New-SyntheticFrame -Count 4 -Size 16 -Frames 3 -Seed 1 | New-BatchGenerator -SequenceWindow 1 } |
            Should -Throw -ErrorId 'InvalidFrames,DataPipeline.PowerShell.Commands.NewBatchGeneratorCommand' -ExpectedMessage '*sequence_window*'
    }
}
