namespace DataPipeline.Engine.Evaluation;

/// <summary>The localisation score of every frame evaluated, had detection used this threshold.</summary>
public sealed class SweepPoint(double threshold, LocalisationCounts counts) : LocalisationScore(counts)
{
    public double Threshold { get; } = threshold;
}
