# The parameter contract of every cmdlet (dbatools style): the parameters a script may rely on,
# common parameters aside. A parameter added, renamed or removed fails here until the list (and
# docs/help/<Cmdlet>.md) says so.

BeforeDiscovery {
    $contracts = @(
        @{ Name = 'Export-FrameDataset'; Parameters = @('InputObject', 'Path', 'LiteralPath', 'Append', 'PassThru') }
        @{ Name = 'Export-FramePreview'; Parameters = @('InputObject', 'Path', 'LiteralPath', 'Count', 'DynamicRangeDb', 'PassThru') }
        @{ Name = 'Export-MatFile'; Parameters = @('Path', 'LiteralPath', 'InputObject', 'NoCompression', 'PassThru') }
        @{ Name = 'Export-EvaluationReport'; Parameters = @('InputObject', 'Path', 'LiteralPath', 'Name', 'Format', 'PassThru') }
        @{ Name = 'Export-TrainingHistory'; Parameters = @('InputObject', 'Path', 'LiteralPath', 'Format', 'LogScale', 'PassThru') }
        @{ Name = 'Get-Batch'; Parameters = @('Generator', 'Split', 'Epoch', 'First') }
        @{ Name = 'Get-MatVariable'; Parameters = @('Path', 'LiteralPath', 'Name') }
        @{ Name = 'Get-TrainingDevice'; Parameters = @('Available') }
        @{ Name = 'Get-FramePatch'; Parameters = @('InputObject', 'Size', 'MaxPerFrame', 'OnLabel', 'Mirror', 'Mask', 'Seed', 'Config') }
        @{ Name = 'Import-FrameDataset'; Parameters = @('Path', 'LiteralPath', 'Index', 'Range') }
        @{ Name = 'Import-MatDataset'; Parameters = @('Path', 'LiteralPath', 'Recurse', 'DataVariable', 'LabelVariable', 'Reduce', 'ReduceDim', 'ComplexPart', 'Normalize', 'FrameDim', 'SvdCutoff', 'ThrottleLimit', 'Config') }
        @{ Name = 'Import-UNetModel'; Parameters = @('Path', 'LiteralPath') }
        @{ Name = 'Invoke-TrainingSweep'; Parameters = @('InputObject', 'Config', 'Parameter', 'OutputDirectory', 'LogPath', 'ThrottleLimit', 'Path', 'Index', 'Strategy', 'Trials', 'Eta', 'Backend', 'Submit', 'Partition', 'TimeLimit', 'SlurmDirective', 'HostName', 'Session', 'SshOption', 'GpusPerHost') }
        @{ Name = 'Get-TrainingSweep'; Parameters = @('Path', 'LiteralPath') }
        @{ Name = 'Invoke-UNetPrediction'; Parameters = @('InputObject', 'Model', 'Checkpoint', 'BatchSize', 'Device', 'WindowSize', 'Overlap') }
        @{ Name = 'Invoke-UNetTraining'; Parameters = @('Generator', 'Frame', 'Config', 'Resume', 'Model', 'InitialWeights', 'Epochs', 'Device', 'OutputDirectory', 'LearningRate', 'Loss', 'Threads', 'Precision', 'LogPath', 'RetryFailedEpoch') }
        @{ Name = 'Measure-Localization'; Parameters = @('InputObject', 'Method', 'Threshold', 'WindowPx', 'TolerancePx', 'Refine', 'Truth', 'Config') }
        @{ Name = 'New-BatchGenerator'; Parameters = @('InputObject', 'Path', 'LiteralPath', 'ValidationInput', 'TrainingIndex', 'ValidationIndex', 'Replacement', 'Weight', 'SourceWeight', 'ClassLabel', 'ClassWeight', 'MaxFrames', 'PatchSize', 'PatchOnLabel', 'PatchMirror', 'PatchMask', 'ShuffleWindow', 'Filter', 'Transform', 'SequenceWindow', 'BatchSize', 'Shuffle', 'ValidationFraction', 'DropLast', 'Seed', 'Config', 'Workers', 'Prefetch', 'SnrDb', 'Flip', 'FlipHorizontal', 'FlipVertical', 'Rot90', 'RotationDeg', 'ShiftPx', 'Zoom', 'ShearDeg', 'ElasticAlphaPx', 'ElasticSigmaPx', 'FillMode', 'FillValue', 'OutOfPlane', 'IntensityScale', 'IntensityShift') }
        @{ Name = 'New-SyntheticFrame'; Parameters = @('Count', 'Size', 'Frames', 'Scatterers', 'SizeRatio', 'NoiseStd', 'SnrDb', 'Amplitude', 'Combine', 'ThrottleLimit', 'PsfSigma', 'Psf', 'Output', 'Seed', 'Label', 'TrackSigma', 'StartIndex', 'Config', 'Evaluation') }
        @{ Name = 'New-TrainingConfig'; Parameters = @('Path', 'LiteralPath', 'Force') }
        @{ Name = 'New-UNetModel'; Parameters = @('Config', 'SizeRatio') }
        @{ Name = 'Import-TrainingRun'; Parameters = @('Path', 'LiteralPath') }
        @{ Name = 'Get-ScattererTrack'; Parameters = @('InputObject', 'Evaluation', 'From', 'MaxLinkingDistancePx', 'MaxGapSteps', 'MinLength', 'Threshold', 'WindowPx', 'Refine', 'Config', 'Consecutive', 'Score', 'TolerancePx') }
        @{ Name = 'New-UlmMap'; Parameters = @('Track', 'Frame', 'Scale', 'Size', 'From', 'Threshold', 'Config') }
        @{ Name = 'Export-UlmMap'; Parameters = @('InputObject', 'Path', 'LiteralPath', 'Format', 'PassThru') }
        @{ Name = 'Test-UNetModel'; Parameters = @('InputObject', 'BatchGenerator', 'Model', 'Checkpoint', 'BatchSize', 'Device', 'WindowSize', 'Overlap', 'Threshold', 'WindowPx', 'TolerancePx', 'Refine', 'Truth', 'Config') }
    )
}

BeforeAll {
    $module = $env:DATAPIPELINE_MODULE ?? (Join-Path $PSScriptRoot '../../out/DataPipeline/DataPipeline.psd1')
    Import-Module $module -Force
    $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
}

Describe '<Name> parameters' -ForEach $contracts {
    It 'are exactly the known list' {
        $actual = (Get-Command -Module DataPipeline -Name $Name).Parameters.Keys | Where-Object { $_ -notin $common }
        @($actual | Sort-Object) | Should -Be @($Parameters | Sort-Object)
    }
}

Describe 'The module''s cmdlets' -ForEach @(@{ Known = $contracts.Name }) {
    It 'each have a contract here' {
        (Get-Command -Module DataPipeline).Name | Where-Object { $_ -notin $Known } | Should -BeNullOrEmpty
    }
}
