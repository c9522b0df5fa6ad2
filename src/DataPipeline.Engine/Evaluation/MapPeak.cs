namespace DataPipeline.Engine.Evaluation;

/// <summary>A detected peak of one map plane: its position in that map's pixels and its value there.</summary>
public readonly record struct MapPeak(PointPx Position, float Value);
