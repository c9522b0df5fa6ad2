namespace DataPipeline.Engine.Evaluation;

/// <summary>
/// Pixel-wise confusion counts of a prediction map at one threshold: a pixel is predicted positive
/// when its prediction is at or above <see cref="Threshold"/>, and truly positive when its label is
/// at or above the evaluation threshold. One point of the ROC curve.
/// </summary>
public sealed record PixelConfusion(double Threshold, long TruePositives, long FalsePositives, long FalseNegatives, long TrueNegatives)
{
    /// <summary>Recall, the ROC curve's y; NaN without positive pixels.</summary>
    public double TruePositiveRate => Ratio(TruePositives, TruePositives + FalseNegatives);

    /// <summary>The ROC curve's x; NaN without negative pixels.</summary>
    public double FalsePositiveRate => Ratio(FalsePositives, FalsePositives + TrueNegatives);

    public double Precision => Ratio(TruePositives, TruePositives + FalsePositives);

    public double F1 => Ratio(2.0 * TruePositives, 2.0 * TruePositives + FalsePositives + FalseNegatives);

    /// <summary>Specificity, 1 - FPR; NaN without negative pixels.</summary>
    public double TrueNegativeRate => Ratio(TrueNegatives, FalsePositives + TrueNegatives);

    /// <summary>(TP + TN) / all pixels. With ~1% positive pixels an all-zero map scores ~0.99: read it beside the balanced one.</summary>
    public double Accuracy => Ratio(TruePositives + TrueNegatives, TruePositives + FalsePositives + FalseNegatives + TrueNegatives);

    /// <summary>The mean of the true positive and true negative rates, 0.5 for an all-zero map; NaN unless both classes occur.</summary>
    public double BalancedAccuracy => (TruePositiveRate + TrueNegativeRate) / 2;

    private static double Ratio(double numerator, double denominator) => denominator == 0 ? double.NaN : numerator / denominator;
}
