# Paths with [ ] (issue 11, defect 3), arrays to -InputObject (defect 6), and the model that
# New-UNetModel builds agreeing with training's (defect 7), in real pwsh.

BeforeAll {
    $module = $env:DATAPIPELINE_MODULE ?? (Join-Path $PSScriptRoot '../../out/DataPipeline/DataPipeline.psd1')
    Import-Module $module -Force
    $frames = New-SyntheticFrame -Count 3 -Size 16 -Seed 4
    $mat = Join-Path $TestDrive 'scan[1].mat'
    # One frame per file: Import-MatDataset's default reads it as one frame.
    $frames[0] | Export-MatFile -LiteralPath $mat
}

Describe 'Paths with [ ]' {
    It 'are written by -LiteralPath and read back through the PSPath of piped items' {
        Test-Path -LiteralPath $mat | Should -BeTrue
        $variables = Get-ChildItem -LiteralPath $mat | Get-MatVariable
        $variables.Name | Should -Contain 'data'
        (Get-MatVariable -LiteralPath $mat -Name data).Dimensions | Should -Be (Get-MatVariable -LPath $mat -Name data).Dimensions
    }

    It 'are imported by Import-MatDataset -LiteralPath and from Get-ChildItem' {
        $imported = @(Get-ChildItem -LiteralPath $mat | Import-MatDataset -DataVariable data -LabelVariable label)
        $imported.Count | Should -Be 1
        $imported[0].Data | Should -Be $frames[0].Data
        @(Import-MatDataset -LiteralPath $mat -DataVariable data -LabelVariable label).Count | Should -Be 1
    }

    It 'give an ObjectNotFound error, not silence, when -Path matches nothing' {
        Get-MatVariable -Path $mat -ErrorVariable failed -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failed | Should -HaveCount 1
        $failed[0].FullyQualifiedErrorId | Should -Be 'PathNotFound,DataPipeline.PowerShell.Commands.GetMatVariableCommand'
        $failed[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $failed[0].Exception | Should -BeOfType ([System.Management.Automation.ItemNotFoundException])
        $failed[0].Exception.Message | Should -Match 'LiteralPath'
        Import-MatDataset -Path $mat -DataVariable data -ErrorVariable importFailed -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $importFailed[0].FullyQualifiedErrorId | Should -BeLike 'PathNotFound,*'
    }

    It 'are written as named by every writer''s -LiteralPath' {
        $config = New-TrainingConfig -LiteralPath (Join-Path $TestDrive 'cfg[a].toml')
        $config.Name | Should -Be 'cfg[a].toml'
        $preview = $frames | Export-FramePreview -LiteralPath (Join-Path $TestDrive 'p[1].png') -PassThru
        $preview.Name | Should -Be 'p[1].png'
        $store = $frames | Export-FrameDataset -LiteralPath (Join-Path $TestDrive 's[1].h5') -PassThru
        $store.Name | Should -Be 's[1].h5'
        (Get-ChildItem -LiteralPath $store.FullName | Import-FrameDataset).Count | Should -Be 3
        (Import-FrameDataset -LiteralPath $store.FullName -Range 1, 2).Index | Should -Be 1, 2
        (New-BatchGenerator -LiteralPath $store.FullName -BatchSize 2).FrameCount | Should -Be 3
        { New-BatchGenerator -Path $store.FullName -BatchSize 2 } | Should -Throw -ErrorId 'FrameStoreNotFound,DataPipeline.PowerShell.Commands.NewBatchGeneratorCommand'
    }
}

Describe 'Import-UNetModel and checkpoints whose path holds [ ]' {
    BeforeAll {
        $config = Join-Path $PSScriptRoot 'TestData/small.toml'
        # The run's folder name holds brackets, so every checkpoint path does too.
        $run = New-SyntheticFrame -Count 8 -Size 16 -Seed 6 -Config $config |
            Invoke-UNetTraining -Config $config -Epochs 1 -OutputDirectory (Join-Path $TestDrive 'runs[1]')
    }

    It 'loads a checkpoint by -LiteralPath, by piped file and by piped run' {
        $run.BestCheckpoint | Should -BeLike '*runs`[1`]*'
        (Import-UNetModel -LiteralPath $run.BestCheckpoint).RunId | Should -Be $run.RunId
        (Import-UNetModel -LPath $run.BestCheckpoint).CheckpointPath | Should -Be $run.BestCheckpoint
        $piped = @(Get-ChildItem -LiteralPath (Split-Path $run.BestCheckpoint) -Filter best.ckpt | Import-UNetModel)
        $piped.Count | Should -Be 1
        $piped[0].CheckpointPath | Should -Be $run.BestCheckpoint
        ($run | Import-UNetModel).CheckpointPath | Should -Be $run.BestCheckpoint
    }

    It 'reads -Path as a pattern, and a pattern that matches nothing is an ObjectNotFound error' {
        # runs[1] as a pattern means "runs1", which does not exist.
        Import-UNetModel -Path $run.BestCheckpoint -ErrorVariable failed -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failed | Should -HaveCount 1
        $failed[0].FullyQualifiedErrorId | Should -Be 'CheckpointNotFound,DataPipeline.PowerShell.Commands.ImportUNetModelCommand'
        $failed[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $failed[0].Exception.Message | Should -Match 'LiteralPath'
        # Escaped, the same path is found through -Path.
        (Import-UNetModel -Path ([WildcardPattern]::Escape($run.BestCheckpoint))).RunId | Should -Be $run.RunId
    }
}

Describe 'Arrays given to -InputObject' {
    It 'are taken element by element, as built-in cmdlets do' {
        $store = Export-FrameDataset -InputObject $frames -Path (Join-Path $TestDrive 'arr.h5') -PassThru
        (Import-FrameDataset -Path $store.FullName).Count | Should -Be 3
        $preview = Export-FramePreview -InputObject $frames -Path (Join-Path $TestDrive 'arr.png') -PassThru
        $preview.Length | Should -BeGreaterThan 0
        $scored = $frames | ForEach-Object { $_.WithPrediction($_.Label) }
        (Measure-Localization -InputObject $scored).FrameCount | Should -Be 3
    }

    It 'of the wrong type make Export-MatFile write no file' {
        $target = Join-Path $TestDrive 'wrong.mat'
        $failure = try { Export-MatFile -InputObject 'not a frame' -Path $target -ErrorAction SilentlyContinue } catch { $_ }
        $failure.FullyQualifiedErrorId | Should -Be 'NothingToExport,DataPipeline.PowerShell.Commands.ExportMatFileCommand'
        Test-Path -LiteralPath $target | Should -BeFalse
    }

    It 'being $null give New-BatchGenerator a clear error' {
        try { $null | New-BatchGenerator -ErrorVariable failed -ErrorAction SilentlyContinue } catch { $stopped = $_ }
        $failed[0].FullyQualifiedErrorId | Should -Be 'NullFrame,DataPipeline.PowerShell.Commands.NewBatchGeneratorCommand'
        $failed[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $stopped.FullyQualifiedErrorId | Should -Be 'NoFrames,DataPipeline.PowerShell.Commands.NewBatchGeneratorCommand'
    }
}

Describe 'New-UNetModel with size_ratio = 0' {
    It 'builds the network that training builds for the quick-start config' {
        $config = Join-Path $PSScriptRoot '../../examples/quickstart.toml'
        $model = New-UNetModel -Config $config
        $model.SizeRatio | Should -Be 2
        $model.TrainableParameters | Should -Be 501809
    }
}
