namespace DataPipeline.Engine.Evaluation;

/// <summary>A detection matched to a true position: their indices in the lists given, and how far apart they are.</summary>
public readonly record struct MatchedPair(int Detection, int Truth, double DistancePx);
