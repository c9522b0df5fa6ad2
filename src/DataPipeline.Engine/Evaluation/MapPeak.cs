namespace DataPipeline.Engine.Evaluation;

/// <summary>
/// A detected peak and the map's value there. PeakDetector gives positions in the searched map's
/// pixels; the evaluator's results hold them converted to data pixels.
/// </summary>
public readonly record struct MapPeak(PointPx Position, float Value);
