# Module manifest for DataPipeline: the single source of truth for the module's version,
# exports and views. build.ps1 stages it with the assemblies into out/DataPipeline/.
@{
    RootModule           = 'DataPipeline.PowerShell.dll'
    # Imported before the root module: it sets up the load context that keeps the engine and its
    # libraries apart from other modules' copies (src/DataPipeline.Isolation/ModuleInitializer.cs).
    NestedModules        = @('DataPipeline.Isolation.dll')
    ModuleVersion        = '0.1.0'
    GUID                 = '3f6c2a57-8d1e-4b7a-9c0e-5a4f1d2b7e61'
    Author               = 'DataPipeline contributors'
    CompanyName          = 'DataPipeline'
    Copyright            = '(c) DataPipeline contributors. MIT licence.'
    Description          = 'From MATLAB files or simulated scatterer frames to a trained U-Net, with plots and metrics, in one PowerShell pipeline.'
    CompatiblePSEditions = @('Core')
    PowerShellVersion    = '7.4'
    FormatsToProcess     = @('DataPipeline.format.ps1xml')
    CmdletsToExport      = @(
        'New-SyntheticFrame'
        'New-BatchGenerator'
        'Get-Batch'
        'New-UNetModel'
        'Import-UNetModel'
        'Invoke-UNetTraining'
        'Invoke-UNetPrediction'
        'Invoke-TrainingSweep'
        'Export-TrainingHistory'
        'Export-EvaluationReport'
        'Import-TrainingRun'
        'Get-TrainingSweep'
        'New-TrainingConfig'
        'Export-FrameDataset'
        'Import-FrameDataset'
        'Get-FramePatch'
        'Export-FramePreview'
        'Measure-Localization'
        'Test-UNetModel'
        'Get-MatVariable'
        'Import-MatDataset'
        'Export-MatFile'
        'Get-TrainingDevice'
        'Get-ScattererTrack'
        'New-UlmMap'
        'Export-UlmMap'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('ultrasound', 'unet', 'deep-learning', 'matlab', 'torchsharp', 'super-resolution')
        }
    }
}
