namespace DataPipeline.Engine.Training;

/// <summary>Where a run starts: from scratch, from a checkpoint's weights, or resuming a checkpointed run exactly.</summary>
/// <param name="Resume">A checkpoint to continue: weights, optimizer, random state, schedule, history.</param>
/// <param name="InitialWeights">A checkpoint whose weights start a new run (fine-tuning).</param>
public sealed record TrainingStart(string? Resume = null, string? InitialWeights = null)
{
    public static readonly TrainingStart Fresh = new();
}
