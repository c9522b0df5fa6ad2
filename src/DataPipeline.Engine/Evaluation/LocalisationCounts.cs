namespace DataPipeline.Engine.Evaluation;

/// <summary>
/// Counts of a localisation evaluation, which add up over time steps, frames and splits. Metrics
/// from summed counts are pooled over everything counted (micro-averaged), as the PALA benchmark
/// reports them for a whole acquisition.
/// </summary>
public readonly record struct LocalisationCounts(int TruePositives, int FalsePositives, int FalseNegatives, double SquaredErrorSum)
{
    public static LocalisationCounts operator +(LocalisationCounts a, LocalisationCounts b) =>
        new(a.TruePositives + b.TruePositives, a.FalsePositives + b.FalsePositives,
            a.FalseNegatives + b.FalseNegatives, a.SquaredErrorSum + b.SquaredErrorSum);

    /// <summary>The counts of one matching of <paramref name="detections"/> detections to <paramref name="truths"/> true positions.</summary>
    public static LocalisationCounts Of(IReadOnlyCollection<MatchedPair> matches, int detections, int truths) =>
        new(matches.Count, detections - matches.Count, truths - matches.Count, matches.Sum(m => m.DistancePx * m.DistancePx));

    // Undefined ratios (no detections, no truths, no matches) are NaN rather than 0 or 1: the
    // original's "precision ~1" came from a number that looked fine and meant nothing.

    /// <summary>TP / (TP + FP); NaN without detections.</summary>
    public double Precision => Ratio(TruePositives, TruePositives + FalsePositives);

    /// <summary>TP / (TP + FN); NaN without true positions.</summary>
    public double Recall => Ratio(TruePositives, TruePositives + FalseNegatives);

    /// <summary>2TP / (2TP + FP + FN), the harmonic mean of precision and recall.</summary>
    public double F1 => Ratio(2.0 * TruePositives, 2.0 * TruePositives + FalsePositives + FalseNegatives);

    /// <summary>TP / (TP + FP + FN), the Jaccard index of the PALA benchmark.</summary>
    public double Jaccard => Ratio(TruePositives, TruePositives + FalsePositives + FalseNegatives);

    /// <summary>Root mean square distance of matched pairs, in data pixels; NaN without matches.</summary>
    public double RmsePx => TruePositives == 0 ? double.NaN : Math.Sqrt(SquaredErrorSum / TruePositives);

    private static double Ratio(double numerator, double denominator) => denominator == 0 ? double.NaN : numerator / denominator;
}
