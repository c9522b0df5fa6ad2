using System.Globalization;
using DataPipeline.Engine.Training;
using ScottPlot;

namespace DataPipeline.Engine.Reporting;

/// <summary>A rendered figure of a run's history: its name in file names ("loss", "summary") and its PNG.</summary>
public sealed record HistoryFigure(string Name, string Title, byte[] Png);

/// <summary>
/// One figure per recorded metric with the training curve and, where there is one, the validation
/// curve, the best epoch of the monitored metric marked; and a summary figure with the main
/// metrics in a grid. The original pipeline plotted only the loss, and each run overwrote the last.
/// </summary>
public static class HistoryPlots
{
    public const int Width = 800, Height = 500;
    public const int PanelWidth = 600, PanelHeight = 400, SummaryColumns = 2;

    /// <summary>The metrics worth a figure: everything but timing columns.</summary>
    public static IEnumerable<HistoryMetric> PlottedMetrics =>
        HistoryMetric.All.Where(m => m.Name is not ("seconds" or "data_wait_seconds" or "skipped_steps" or "retries"));

    /// <summary>The panels of the summary figure, in reading order.</summary>
    public static readonly IReadOnlyList<string> SummaryMetrics = ["loss", "dice", "precision", "recall", "val_f1", "learning_rate"];

    /// <summary>Metrics that are losses: -LogScale puts these on a logarithmic axis.</summary>
    private static bool IsLoss(HistoryMetric metric) => metric.Name is "loss" or "mse";

    // Scores in [0, 1] keep that axis, so figures of different runs compare at a glance.
    private static bool IsFraction(HistoryMetric metric) => metric.Name is "dice" or "precision" or "recall" or "val_f1" or "val_jaccard";

    /// <summary>
    /// The per-metric figures, then the summary. A metric the run never recorded (localisation
    /// without true positions, say) gets no figure rather than an empty one.
    /// </summary>
    public static IReadOnlyList<HistoryFigure> Render(TrainingRun run, bool logScale)
    {
        var recorded = PlottedMetrics.Where(m => Recorded(run, m)).ToList();
        var figures = recorded
            .Select(m => new HistoryFigure(m.Name, Title(m), Plot(run, m, logScale).GetImageBytes(Width, Height, ScottPlot.ImageFormat.Png)))
            .ToList();
        var panels = SummaryMetrics.Select(name => recorded.SingleOrDefault(m => m.Name == name)).OfType<HistoryMetric>().ToList();
        if (panels.Count > 0) figures.Add(new HistoryFigure("summary", "Summary", Summary(run, panels, logScale)));
        return figures;
    }

    /// <summary>The summary's size in pixels for <paramref name="panels"/> panels.</summary>
    public static (int Width, int Height) SummarySize(int panels) =>
        (Math.Min(panels, SummaryColumns) * PanelWidth, (panels + SummaryColumns - 1) / SummaryColumns * PanelHeight);

    private static byte[] Summary(TrainingRun run, IReadOnlyList<HistoryMetric> panels, bool logScale)
    {
        var plots = panels.Select(m => Plot(run, m, logScale, compact: true)).ToList();
        var multiplot = new ScottPlot.Multiplot();
        // A new Multiplot already holds one empty plot: Reset puts the first panel in its place.
        multiplot.Reset(plots[0]);
        foreach (var plot in plots.Skip(1)) multiplot.AddPlot(plot);
        int columns = Math.Min(panels.Count, SummaryColumns);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid((panels.Count + columns - 1) / columns, columns);
        var (width, height) = SummarySize(panels.Count);
        using var surface = SkiaSharp.SKSurface.Create(new SkiaSharp.SKImageInfo(width, height));
        multiplot.Render(surface.Canvas, new PixelRect(left: 0, right: width, bottom: height, top: 0));
        using var image = surface.Snapshot();
        using var png = image.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    private static bool Recorded(TrainingRun run, HistoryMetric metric) =>
        run.History.Any(r => double.IsFinite(metric.Training(r)) || metric.Validation is { } v && double.IsFinite(v(r)));

    private static string Title(HistoryMetric metric) => metric.Name.Replace('_', ' ');

    /// <summary>Whether the y axis of <paramref name="metric"/> is logarithmic in this run's figures.</summary>
    public static bool LogAxis(TrainingRun run, HistoryMetric metric, bool logScale)
    {
        var values = Values(run, metric).ToList();
        if (values.Count == 0 || values.Any(v => v <= 0)) return false;
        // A decaying learning rate spans decades; on a linear axis its later epochs are a flat line at zero.
        return IsLoss(metric) ? logScale : metric.Name == "learning_rate" && values.Max() / values.Min() >= 10;
    }

    private static IEnumerable<double> Values(TrainingRun run, HistoryMetric metric) =>
        run.History.Select(metric.Training)
            .Concat(metric.Validation is { } v ? run.History.Select(v) : [])
            .Where(double.IsFinite);

    internal static ScottPlot.Plot Plot(TrainingRun run, HistoryMetric metric, bool logScale, bool compact = false)
    {
        var plot = new ScottPlot.Plot();
        bool log = LogAxis(run, metric, logScale);
        // A validation-only metric (val_f1) keeps its one series in the training slot: name it for what it is.
        Curve(plot, run, metric.Training, metric.ValidationOnly ? "validation" : "training", log);
        if (metric.Validation is { } validation && run.History.Any(r => double.IsFinite(validation(r))))
            Curve(plot, run, validation, "validation", log);
        MarkBestEpoch(plot, run, metric, log);

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        int last = run.History.Count == 0 ? 1 : run.History[^1].Epoch;
        int first = run.History.Count == 0 ? 1 : run.History[0].Epoch;
        plot.Axes.SetLimitsX(first - 0.5, last + 0.5);
        var values = Values(run, metric).ToList();
        if (log)
        {
            plot.Axes.Left.TickGenerator = LogTicks(values.Min(), values.Max());
        }
        else if (IsFraction(metric))
        {
            plot.Axes.SetLimitsY(-0.02, 1.02);
        }
        else if (values.Count > 0 && values.Min() == values.Max())
        {
            // A constant (a fixed learning rate) would get ScottPlot's default span of -1..1 around it.
            double v = values[0], half = v == 0 ? 1 : Math.Abs(v) / 2;
            plot.Axes.SetLimitsY(v - half, v + half);
        }
        plot.Title(compact ? Title(metric) : $"{Title(metric)} — run {run.RunId}", size: compact ? 14 : 16);
        plot.XLabel("epoch");
        plot.YLabel(Title(metric) + (log ? " (log scale)" : ""));
        // Below the axes, the legend never hides a curve.
        plot.ShowLegend(ScottPlot.Edge.Bottom);
        plot.Legend.Orientation = ScottPlot.Orientation.Horizontal;
        return plot;
    }

    /// <summary>
    /// Ticks for an axis that shows log10 of the values, labelled with the values themselves: every
    /// mantissa 1-9 within one decade, 1, 2 and 5 over a few, powers of ten beyond.
    /// </summary>
    internal static ScottPlot.TickGenerators.NumericManual LogTicks(double min, double max)
    {
        int low = (int)Math.Floor(Math.Log10(min)), high = (int)Math.Ceiling(Math.Log10(max));
        int[] major = (high - low) switch { <= 1 => [1, 2, 3, 4, 5, 6, 7, 8, 9], <= 3 => [1, 2, 5], _ => [1] };
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (int decade = low; decade <= high; decade++)
        {
            for (int mantissa = 1; mantissa <= 9; mantissa++)
            {
                double value = mantissa * Math.Pow(10, decade);
                if (major.Contains(mantissa)) ticks.AddMajor(Math.Log10(value), value.ToString("G3", CultureInfo.InvariantCulture));
                else ticks.AddMinor(Math.Log10(value));
            }
        }
        return ticks;
    }

    /// <summary>Adds the finite points of one series; on a log axis values are plotted as log10.</summary>
    private static void Curve(ScottPlot.Plot plot, TrainingRun run, Func<EpochRecord, double> value, string label, bool log)
    {
        var points = run.History.Where(r => double.IsFinite(value(r))).ToList();
        if (points.Count == 0) return;
        double[] epochs = points.Select(r => (double)r.Epoch).ToArray();
        double[] values = points.Select(r => log ? Math.Log10(value(r)) : value(r)).ToArray();
        var line = plot.Add.Scatter(epochs, values);
        line.LegendText = label;
    }

    /// <summary>
    /// A dashed vertical line at the monitored metric's best epoch, labelled with the metric and
    /// its value; on the monitored metric's own figure, a marker on the point itself too.
    /// </summary>
    private static void MarkBestEpoch(ScottPlot.Plot plot, TrainingRun run, HistoryMetric metric, bool log)
    {
        if (run.BestEpoch <= 0) return;
        var best = plot.Add.VerticalLine(run.BestEpoch);
        best.LinePattern = ScottPlot.LinePattern.Dashed;
        best.Color = ScottPlot.Colors.Gray;
        best.LabelText = string.Create(CultureInfo.InvariantCulture, $"best epoch {run.BestEpoch}");
        // At the top edge: at the bottom the label would cover the epoch numbers.
        best.LabelOppositeAxis = true;
        best.LegendText = string.Create(CultureInfo.InvariantCulture, $"best {run.Monitor} {run.BestValue:G4} (epoch {run.BestEpoch})");

        var record = run.History.FirstOrDefault(r => r.Epoch == run.BestEpoch);
        string bare = run.Monitor.StartsWith("val_", StringComparison.Ordinal) ? run.Monitor[4..] : run.Monitor;
        if (record is null || bare != metric.Name || !double.IsFinite(run.BestValue)) return;
        double y = log ? Math.Log10(run.BestValue) : run.BestValue;
        if (!double.IsFinite(y)) return;
        var marker = plot.Add.Marker(run.BestEpoch, y, ScottPlot.MarkerShape.OpenCircle, size: 14);
        marker.Color = ScottPlot.Colors.Black;
    }
}
