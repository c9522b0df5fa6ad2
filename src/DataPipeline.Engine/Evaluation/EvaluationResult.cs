using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Evaluation.Localisers;

namespace DataPipeline.Engine.Evaluation;

/// <summary>
/// The localisation metrics of every frame evaluated, pooled, with each frame's own; the pixel-wise
/// view (confusion at the threshold, ROC curve and area); and the threshold sweeps. Not enumerable,
/// so PowerShell keeps it whole on the pipeline.
/// </summary>
public sealed class EvaluationResult(
    EvaluationSettings settings, TruthSource truth, IReadOnlyList<FrameEvaluation> frames,
    IReadOnlyList<SweepPoint> sweep, PixelConfusion? pixels, IReadOnlyList<PixelConfusion> rocCurve, double rocAuc)
    : LocalisationScore(frames.Aggregate(default(LocalisationCounts), (sum, frame) => sum + frame.Counts))
{
    public double Threshold { get; } = settings.Threshold;
    public int WindowPx { get; } = settings.WindowPx;
    public double TolerancePx { get; } = settings.TolerancePx;
    public RefineMode Refine { get; } = settings.Refine;
    public TruthSource Truth { get; } = truth;

    /// <summary>What made the detections: the U-Net's predictions or a classical localiser on the data.</summary>
    public LocalisationMethod Method { get; init; }

    public int FrameCount => Frames.Count;
    public IReadOnlyList<FrameEvaluation> Frames { get; } = frames;

    /// <summary>Localisation scores had detection used each threshold 0.05, 0.10, ..., 0.95.</summary>
    public IReadOnlyList<SweepPoint> Sweep { get; } = sweep;

    /// <summary>The sweep threshold with the highest localisation F1 (the lowest such); NaN when no F1 is defined.</summary>
    public double BestThreshold { get; } = BestOf(sweep.Select(p => (p.Threshold, p.F1)));

    /// <summary>Pixel-wise counts at <see cref="Threshold"/>; null when no frame had a label map.</summary>
    public PixelConfusion? Pixels { get; } = pixels;

    /// <summary>Pixel-wise accuracy at <see cref="Threshold"/>; NaN when no frame had a label map.</summary>
    public double PixelAccuracy => Pixels?.Accuracy ?? double.NaN;

    /// <summary>Pixel-wise balanced accuracy at <see cref="Threshold"/>; NaN when no frame had a label map.</summary>
    public double PixelBalancedAccuracy => Pixels?.BalancedAccuracy ?? double.NaN;

    /// <summary>Pixel-wise counts at every threshold k / 1000; empty when no frame had a label map.</summary>
    public IReadOnlyList<PixelConfusion> RocCurve { get; } = rocCurve;

    /// <summary>Area under <see cref="RocCurve"/>; NaN without both positive and negative pixels.</summary>
    public double RocAuc { get; } = rocAuc;

    /// <summary>The threshold with the highest pixel-wise F1 (the lowest such); NaN when none is defined.</summary>
    public double BestPixelThreshold { get; } = BestOf(rocCurve.Select(p => (p.Threshold, p.F1)));

    private static double BestOf(IEnumerable<(double Threshold, double F1)> points)
    {
        double best = double.NaN, bestF1 = double.NegativeInfinity;
        foreach (var (threshold, f1) in points)
        {
            if (f1 > bestF1)
            {
                bestF1 = f1;
                best = threshold;
            }
        }
        return best;
    }
}
