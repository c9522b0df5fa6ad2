using System.Globalization;
using System.Text;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Training;
using static System.Net.WebUtility;

namespace DataPipeline.Engine.Reporting;

/// <summary>
/// One HTML page per run that a browser shows offline and that can be mailed or archived on its
/// own: the run's facts and timings, the figures as base64 PNG data URIs, the history table, the
/// model's layer table and the configuration as TOML. No external stylesheet, script or image.
/// </summary>
public static class HistoryReport
{
    private const string Style = """
        body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1250px; color: #222; }
        h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ccc; }
        table { border-collapse: collapse; font-size: 0.85em; }
        th, td { padding: 2px 8px; border-bottom: 1px solid #eee; text-align: right; }
        th { background: #f4f4f4; } td.text, th.text { text-align: left; }
        tr.best { background: #fff3c4; font-weight: bold; }
        img { max-width: 100%; border: 1px solid #eee; margin: 4px 0; }
        pre { background: #f7f7f7; padding: 1em; overflow-x: auto; font-size: 0.85em; }
        .failed { color: #b00020; }
        """;

    public static string Html(TrainingRun run, IReadOnlyList<HistoryFigure> figures)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append("<title>Training run ").Append(HtmlEncode(run.RunId)).Append("</title>\n");
        html.Append("<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n");
        html.Append("<h1>Training run ").Append(HtmlEncode(run.RunId)).Append("</h1>\n");
        Facts(html, run);
        Figures(html, figures);
        History(html, run);
        Model(html, run);
        html.Append("<h2>Configuration</h2>\n<pre>").Append(HtmlEncode(ConfigToml(run.Config))).Append("</pre>\n");
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>The configuration as TOML without the template's comments: the settings the run used, ready to paste into a file.</summary>
    public static string ConfigToml(PipelineConfig config)
    {
        var lines = ConfigTemplate.Write(config).Split('\n').Where(line => !line.StartsWith('#'));
        // Keep one blank line before each section, none elsewhere.
        return string.Join('\n', lines.Where(line => line.Length > 0).Select(line => line.StartsWith('[') ? "\n" + line : line)).Trim() + "\n";
    }

    private static void Facts(StringBuilder html, TrainingRun run)
    {
        double seconds = run.History.Sum(r => r.Seconds), wait = run.History.Sum(r => r.DataWaitSeconds);
        var facts = new List<(string, string)>
        {
            ("Status", run.Status + (run.Message.Length > 0 ? ": " + run.Message : "")),
            ("Epochs", $"{run.EpochsCompleted} of {run.EpochsPlanned}"),
            ("Best epoch", run.BestEpoch > 0 ? Invariant($"{run.BestEpoch} ({run.Monitor} {run.BestValue:G5})") : "none"),
            ("Device", $"{run.Device}, {run.Threads} thread(s)"),
            ("Started", run.StartTime.ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture)),
            ("Duration", run.Duration.ToString(@"hh\:mm\:ss\.f", CultureInfo.InvariantCulture)),
            ("Seconds per epoch", run.History.Count > 0 ? Invariant($"{seconds / run.History.Count:F2}") : "none"),
            ("Data wait", seconds > 0 ? Invariant($"{wait:F2} s ({100 * wait / seconds:F2} % of epoch time)") : "none"),
            ("Frames", $"{run.TrainingFrames} training, {run.ValidationFrames} validation"),
            ("Best checkpoint", run.BestCheckpoint ?? "none"),
            ("Last checkpoint", run.LastCheckpoint ?? "none"),
            ("Log", run.LogPath ?? "none"),
        };
        html.Append("<table>\n");
        foreach (var (name, value) in facts)
        {
            string css = name == "Status" && run.Status == TrainingStatus.Failed ? "text failed" : "text";
            html.Append("<tr><th class=\"text\">").Append(name).Append("</th><td class=\"").Append(css).Append("\">")
                .Append(HtmlEncode(value)).Append("</td></tr>\n");
        }
        html.Append("</table>\n");
    }

    private static void Figures(StringBuilder html, IReadOnlyList<HistoryFigure> figures)
    {
        if (figures.Count == 0) return;
        html.Append("<h2>Figures</h2>\n");
        // The summary first: it is the one figure most readers need.
        foreach (var figure in figures.OrderBy(f => f.Name == "summary" ? 0 : 1))
        {
            html.Append("<img alt=\"").Append(HtmlEncode(figure.Title)).Append("\" src=\"data:image/png;base64,")
                .Append(Convert.ToBase64String(figure.Png)).Append("\">\n");
        }
    }

    private static void History(StringBuilder html, TrainingRun run)
    {
        html.Append("<h2>History</h2>\n<table>\n<tr><th>epoch</th>");
        foreach (var (column, _) in HistoryMetric.Columns) html.Append("<th>").Append(column.Replace('_', ' ')).Append("</th>");
        html.Append("</tr>\n");
        foreach (var record in run.History)
        {
            html.Append(record.Epoch == run.BestEpoch ? "<tr class=\"best\">" : "<tr>");
            html.Append("<td>").Append(record.Epoch.ToString(CultureInfo.InvariantCulture)).Append("</td>");
            foreach (var (_, value) in HistoryMetric.Columns)
            {
                double v = value(record);
                html.Append("<td>").Append(double.IsFinite(v) ? v.ToString("G5", CultureInfo.InvariantCulture) : "").Append("</td>");
            }
            html.Append("</tr>\n");
        }
        html.Append("</table>\n");
    }

    private static void Model(StringBuilder html, TrainingRun run)
    {
        html.Append("<h2>Model</h2>\n<p>U-Net ").Append(HtmlEncode(string.Join("x", run.InputShape))).Append(" &rarr; ")
            .Append(HtmlEncode(string.Join("x", run.OutputShape)))
            .Append(Invariant($", {run.TrainableParameters:N0} trainable parameters ({run.TotalParameters:N0} with buffers).</p>\n"));
        html.Append("<table>\n<tr><th class=\"text\">layer</th><th class=\"text\">type</th><th>parameters</th></tr>\n");
        foreach (var layer in run.Layers)
        {
            html.Append("<tr><td class=\"text\">").Append(HtmlEncode(layer.Name)).Append("</td><td class=\"text\">")
                .Append(HtmlEncode(layer.Type)).Append("</td><td>")
                .Append(layer.Parameters.ToString("N0", CultureInfo.InvariantCulture)).Append("</td></tr>\n");
        }
        html.Append("</table>\n");
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
