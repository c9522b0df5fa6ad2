namespace DataPipeline.Engine.Evaluation;

/// <summary>
/// Prediction values of positive and negative pixels, counted in bins of 1/<see cref="Bins"/> over
/// [0, 1], so the ROC curve and the threshold sweep of a whole split come from memory that does not
/// grow with the number of frames. Values below 0 or from 1 up get a bin of their own each.
/// </summary>
internal sealed class PixelHistogram
{
    /// <summary>Thresholds are k / Bins, k = 0..Bins: a step of 0.001.</summary>
    public const int Bins = 1000;

    // Index 0: below 0; 1..Bins: [(k-1)/Bins, k/Bins); Bins + 1: 1 and above (and +inf).
    private readonly long[] _positives = new long[Bins + 2];
    private readonly long[] _negatives = new long[Bins + 2];

    public bool IsEmpty => _positives.Sum() + _negatives.Sum() == 0;

    /// <summary>Counts one pixel; NaN predictions are ignored, as no threshold makes them positive or negative.</summary>
    public void Add(float prediction, bool positive)
    {
        if (float.IsNaN(prediction)) return;
        var counts = positive ? _positives : _negatives;
        counts[BinOf(prediction)]++;
    }

    private static int BinOf(float value)
    {
        if (value < 0) return 0;
        if (value >= 1) return Bins + 1;
        // Comparing with the thresholds themselves keeps "value >= k / Bins" exact at bin edges,
        // where value * Bins can round across the integer.
        int k = (int)(value * (double)Bins);
        if (k + 1 <= Bins && value >= (k + 1) / (double)Bins) k++;
        else if (k > 0 && value < k / (double)Bins) k--;
        return k + 1;
    }

    /// <summary>Confusion counts at every threshold k / Bins, k = 0..Bins.</summary>
    public IReadOnlyList<PixelConfusion> Curve()
    {
        long totalPositive = _positives.Sum(), totalNegative = _negatives.Sum();
        var curve = new PixelConfusion[Bins + 1];
        // At threshold k / Bins the predicted positives are bins k+1..Bins+1; accumulate from the top.
        long truePositive = 0, falsePositive = 0;
        for (int k = Bins; k >= 0; k--)
        {
            truePositive += _positives[k + 1];
            falsePositive += _negatives[k + 1];
            curve[k] = new PixelConfusion(k / (double)Bins, truePositive, falsePositive,
                totalPositive - truePositive, totalNegative - falsePositive);
        }
        return curve;
    }

    /// <summary>
    /// Area under the ROC curve by the trapezoid rule through every threshold, from (0, 0) (nothing
    /// positive) to (1, 1) (everything positive): the probability that a positive pixel outranks a
    /// negative one, ties within a bin counting half. NaN when either class is empty.
    /// </summary>
    public double Auc()
    {
        long totalPositive = _positives.Sum(), totalNegative = _negatives.Sum();
        if (totalPositive == 0 || totalNegative == 0) return double.NaN;
        double area = 0;
        long truePositive = 0, falsePositive = 0;
        for (int bin = Bins + 1; bin >= 0; bin--)
        {
            long nextTrue = truePositive + _positives[bin], nextFalse = falsePositive + _negatives[bin];
            area += (nextFalse - falsePositive) * (double)(truePositive + nextTrue) / 2;
            truePositive = nextTrue;
            falsePositive = nextFalse;
        }
        return area / ((double)totalPositive * totalNegative);
    }
}
