using System.Globalization;
using DataPipeline.Engine.Evaluation;

namespace DataPipeline.Engine.Reporting;

/// <summary>A rendered figure of an evaluation: its name in file names ("roc") and its PNG.</summary>
public sealed record EvaluationFigure(string Name, string Title, byte[] Png);

/// <summary>
/// The figures elektronn2 drew for a tested model: the pixel-wise ROC curve, precision and recall
/// against the threshold (pixel-wise from the ROC counts, localisation from the threshold sweep),
/// and a histogram of the localisation error of matched detections.
/// </summary>
public static class EvaluationFigures
{
    public const int Width = 700, Height = 500;

    /// <summary>Bins of the localisation-error histogram over [0, tolerance_px].</summary>
    public const int ErrorBins = 20;

    /// <summary>The figures the result has data for: no ROC without label maps, no histogram without matches.</summary>
    public static IReadOnlyList<EvaluationFigure> Render(EvaluationResult result)
    {
        var figures = new List<EvaluationFigure>();
        if (result.RocCurve.Count > 0) figures.Add(Figure("roc", "ROC curve", Roc(result)));
        if (result.RocCurve.Count > 0 || result.Sweep.Count > 0)
            figures.Add(Figure("precision-recall", "Precision and recall against the threshold", PrecisionRecall(result)));
        var distances = MatchDistances(result).ToList();
        if (distances.Count > 0) figures.Add(Figure("localisation-error", "Localisation error", ErrorFigure(result, distances)));
        return figures;
    }

    /// <summary>The distance in data pixels of every matched detection-truth pair of every frame and time step.</summary>
    public static IEnumerable<double> MatchDistances(EvaluationResult result) =>
        result.Frames.SelectMany(f => f.Steps).SelectMany(s => s.Matches).Select(m => m.DistancePx);

    /// <summary>
    /// Counts of <paramref name="distances"/> in <paramref name="bins"/> bins of equal width over
    /// [0, <paramref name="upper"/>]: bin k holds [k·w, (k+1)·w), and the last also holds upper itself
    /// (a match at exactly the tolerance). Matches never lie beyond the tolerance.
    /// </summary>
    public static long[] ErrorHistogram(IEnumerable<double> distances, double upper, int bins)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        if (!(upper > 0)) throw new ArgumentOutOfRangeException(nameof(upper), upper, "The histogram's upper end must be above 0.");
        var counts = new long[bins];
        foreach (double d in distances)
            counts[Math.Clamp((int)(d / upper * bins), 0, bins - 1)]++;
        return counts;
    }

    private static EvaluationFigure Figure(string name, string title, ScottPlot.Plot plot) =>
        new(name, title, plot.GetImageBytes(Width, Height, ScottPlot.ImageFormat.Png));

    private static ScottPlot.Plot Roc(EvaluationResult result)
    {
        var plot = new ScottPlot.Plot();
        // From the highest threshold down, so the curve runs from (0, 0) to (1, 1).
        var points = result.RocCurve.Where(p => double.IsFinite(p.FalsePositiveRate) && double.IsFinite(p.TruePositiveRate))
            .OrderByDescending(p => p.Threshold).ToList();
        var curve = plot.Add.Scatter(points.Select(p => p.FalsePositiveRate).ToArray(), points.Select(p => p.TruePositiveRate).ToArray());
        curve.MarkerSize = 0;
        curve.LineWidth = 2;
        curve.LegendText = Invariant($"pixels, AUC {result.RocAuc:F4}");
        var chance = plot.Add.Line(0, 0, 1, 1);
        chance.LinePattern = ScottPlot.LinePattern.Dashed;
        chance.Color = ScottPlot.Colors.Gray;
        chance.LegendText = "chance";
        if (result.Pixels is { } at && double.IsFinite(at.FalsePositiveRate) && double.IsFinite(at.TruePositiveRate))
        {
            var marker = plot.Add.Marker(at.FalsePositiveRate, at.TruePositiveRate, ScottPlot.MarkerShape.OpenCircle, size: 12);
            marker.Color = ScottPlot.Colors.Black;
            marker.LegendText = Invariant($"threshold {result.Threshold:G3}");
        }
        plot.Axes.SetLimits(-0.02, 1.02, -0.02, 1.02);
        plot.Title("ROC curve (pixel-wise)");
        plot.XLabel("false positive rate");
        plot.YLabel("true positive rate (recall)");
        plot.ShowLegend(ScottPlot.Edge.Bottom);
        return plot;
    }

    private static ScottPlot.Plot PrecisionRecall(EvaluationResult result)
    {
        var plot = new ScottPlot.Plot();
        void Series(IEnumerable<(double X, double Y)> points, string label, bool dashed)
        {
            var finite = points.Where(p => double.IsFinite(p.Y)).ToList();
            if (finite.Count == 0) return;
            var line = plot.Add.Scatter(finite.Select(p => p.X).ToArray(), finite.Select(p => p.Y).ToArray());
            line.MarkerSize = dashed ? 5 : 0;
            line.LineWidth = 2;
            if (dashed) line.LinePattern = ScottPlot.LinePattern.Dashed;
            line.LegendText = label;
        }
        Series(result.RocCurve.Select(p => (p.Threshold, p.Precision)), "pixel precision", dashed: false);
        Series(result.RocCurve.Select(p => (p.Threshold, p.TruePositiveRate)), "pixel recall", dashed: false);
        Series(result.Sweep.Select(p => (p.Threshold, p.Precision)), "localisation precision", dashed: true);
        Series(result.Sweep.Select(p => (p.Threshold, p.Recall)), "localisation recall", dashed: true);
        var at = plot.Add.VerticalLine(result.Threshold);
        at.LinePattern = ScottPlot.LinePattern.Dotted;
        at.Color = ScottPlot.Colors.Gray;
        at.LegendText = Invariant($"threshold {result.Threshold:G3}");
        plot.Axes.SetLimits(0, 1, -0.02, 1.02);
        plot.Title("Precision and recall against the threshold");
        plot.XLabel("threshold");
        plot.YLabel("precision, recall");
        plot.ShowLegend(ScottPlot.Edge.Bottom);
        plot.Legend.Orientation = ScottPlot.Orientation.Horizontal;
        return plot;
    }

    private static ScottPlot.Plot ErrorFigure(EvaluationResult result, IReadOnlyList<double> distances)
    {
        double upper = result.TolerancePx > 0 ? result.TolerancePx : Math.Max(distances.Max(), 1);
        var counts = ErrorHistogram(distances, upper, ErrorBins);
        double width = upper / ErrorBins;
        var plot = new ScottPlot.Plot();
        var bars = counts.Select((c, k) => new ScottPlot.Bar { Position = (k + 0.5) * width, Value = c, Size = width * 0.95, FillColor = ScottPlot.Colors.SteelBlue }).ToList();
        plot.Add.Bars(bars);
        plot.Axes.Margins(bottom: 0);
        plot.Axes.SetLimitsX(0, upper);
        plot.Title(Invariant($"Localisation error of {distances.Count} matches (RMSE {result.RmsePx:F3} px)"));
        plot.XLabel("distance to the true position (data pixels)");
        plot.YLabel("matches");
        return plot;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
