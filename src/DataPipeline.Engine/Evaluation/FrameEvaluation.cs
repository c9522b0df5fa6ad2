namespace DataPipeline.Engine.Evaluation;

/// <summary>The localisation score of one frame, summed over its time steps, with each step's details.</summary>
public sealed class FrameEvaluation(string source, int index, IReadOnlyList<StepEvaluation> steps)
    : LocalisationScore(steps.Aggregate(default(LocalisationCounts), (sum, step) => sum + step.Counts))
{
    public string Source { get; } = source;
    public int Index { get; } = index;
    public IReadOnlyList<StepEvaluation> Steps { get; } = steps;
}
