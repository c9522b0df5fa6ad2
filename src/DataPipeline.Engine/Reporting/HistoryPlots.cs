using DataPipeline.Engine.IO;
using DataPipeline.Engine.Training;

namespace DataPipeline.Engine.Reporting;

/// <summary>
/// One PNG per metric with the training curve and, where there is one, the validation curve;
/// the best epoch is marked. The original pipeline plotted only the loss.
/// </summary>
public static class HistoryPlots
{
    public const int Width = 800, Height = 500;

    /// <summary>The metrics worth a figure: everything but timing columns.</summary>
    public static IEnumerable<HistoryMetric> PlottedMetrics =>
        HistoryMetric.All.Where(m => m.Name is not ("seconds" or "data_wait_seconds" or "skipped_steps"));

    public static string FileName(HistoryMetric metric) => $"{metric.Name}.png";

    /// <summary>Writes the figures into <paramref name="directory"/>; returns their paths.</summary>
    public static IReadOnlyList<string> Write(TrainingRun run, string directory)
    {
        var written = new List<string>();
        foreach (var metric in PlottedMetrics)
        {
            string path = Path.Combine(directory, FileName(metric));
            AtomicFile.Write(path, temporary => Plot(run, metric).SavePng(temporary, Width, Height));
            written.Add(path);
        }
        return written;
    }

    internal static ScottPlot.Plot Plot(TrainingRun run, HistoryMetric metric)
    {
        var plot = new ScottPlot.Plot();
        double[] epochs = run.History.Select(r => (double)r.Epoch).ToArray();
        double[] training = run.History.Select(metric.Training).ToArray();
        var trainLine = plot.Add.Scatter(epochs, training);
        trainLine.LegendText = "training";
        if (metric.Validation is not null && run.History.Any(r => double.IsFinite(metric.Validation(r))))
        {
            var validation = plot.Add.Scatter(epochs, run.History.Select(metric.Validation).ToArray());
            validation.LegendText = "validation";
        }
        if (run.BestEpoch > 0)
        {
            var best = plot.Add.VerticalLine(run.BestEpoch);
            best.LinePattern = ScottPlot.LinePattern.Dashed;
            best.LegendText = $"best epoch ({run.BestEpoch})";
        }
        plot.Title($"{metric.Name.Replace('_', ' ')} — run {run.RunId}");
        plot.XLabel("epoch");
        plot.YLabel(metric.Name.Replace('_', ' '));
        plot.ShowLegend();
        return plot;
    }
}
