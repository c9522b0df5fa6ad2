namespace DataPipeline.Engine.Evaluation;

/// <summary>
/// One time step of a frame (the only step of a 2-D frame): what was detected, what was true, which
/// pairs matched. Positions are in data pixel coordinates.
/// </summary>
public sealed class StepEvaluation(int timeStep, IReadOnlyList<MapPeak> detections, IReadOnlyList<PointPx> truths,
    IReadOnlyList<MatchedPair> matches)
    : LocalisationScore(LocalisationCounts.Of(matches, detections.Count, truths.Count))
{
    public int TimeStep { get; } = timeStep;

    /// <summary>Detections at the threshold, positions converted to data pixels, with their map values.</summary>
    public IReadOnlyList<MapPeak> Detections { get; } = detections;

    public IReadOnlyList<PointPx> Truths { get; } = truths;

    /// <summary>Indices into <see cref="Detections"/> and <see cref="Truths"/>.</summary>
    public IReadOnlyList<MatchedPair> Matches { get; } = matches;
}
