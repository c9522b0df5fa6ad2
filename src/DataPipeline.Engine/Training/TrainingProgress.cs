namespace DataPipeline.Engine.Training;

/// <summary>
/// A progress report from the training loop, raised on the training thread. Cmdlets marshal it to
/// the pipeline thread (Write-Progress may only be called there).
/// </summary>
public sealed record TrainingProgress(
    int Epoch,
    int Epochs,
    int Batch,
    int Batches,
    string Phase,
    double RunningLoss,
    EpochRecord? CompletedEpoch = null,
    string? Warning = null);
