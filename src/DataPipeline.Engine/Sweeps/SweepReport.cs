using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.IO;
using DataPipeline.Engine.Training;
using static System.Net.WebUtility;

namespace DataPipeline.Engine.Sweeps;

/// <summary>
/// A sweep's results in its folder: report.html (self-contained: the combinations sorted by the
/// monitored metric, every run's monitored curve overlaid, and each swept key against the metric,
/// as base64 PNGs), report.csv and report.json (one row per combination, best first).
/// </summary>
public static class SweepReport
{
    public const int Width = 800, Height = 500;

    /// <summary>Writes the three files; returns their paths.</summary>
    public static IReadOnlyList<string> Write(SweepManifest manifest, IReadOnlyList<CombinationOutcome> outcomes)
    {
        var ranked = outcomes.OrderBy(SweepPlan.Rank).ThenBy(o => o.Combination.Index).ToList();
        var keys = manifest.Combinations.SelectMany(c => c.Parameters.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        string monitor = outcomes.Select(o => o.Run?.Monitor).FirstOrDefault(m => !string.IsNullOrEmpty(m)) ?? "";
        var paths = new[] { "report.csv", "report.json", "report.html" }.Select(name => Path.Combine(manifest.Folder, name)).ToArray();
        AtomicFile.Write(paths[0], path => File.WriteAllText(path, Csv(ranked, keys)));
        AtomicFile.Write(paths[1], path => File.WriteAllText(path, Json(ranked, keys)));
        var figures = new List<(string Title, byte[] Png)> { ($"{monitor} of every run, by epoch", Curves(ranked, monitor)) };
        figures.AddRange(keys.Select(key => ($"{key} against the best {monitor}", KeyFigure(ranked, key, monitor))));
        AtomicFile.Write(paths[2], path => File.WriteAllText(path, Html(manifest, ranked, keys, monitor, figures)));
        return paths;
    }

    private static string Value(object? value) => value is null ? "" : ConfigTemplate.Format(value);

    private static string Csv(IReadOnlyList<CombinationOutcome> ranked, IReadOnlyList<string> keys)
    {
        var csv = new StringBuilder();
        csv.Append(string.Join(',', new[] { "number" }.Concat(keys).Concat(["status", "epochs", "monitor", "best_value", "best_epoch", "run_id"]).Select(Quote))).Append('\n');
        foreach (var o in ranked)
        {
            var cells = new[] { (o.Combination.Index + 1).ToString(CultureInfo.InvariantCulture) }
                .Concat(keys.Select(k => Value(o.Combination.Parameters.GetValueOrDefault(k))))
                .Concat([o.State.ToString(), (o.Run?.EpochsCompleted ?? 0).ToString(CultureInfo.InvariantCulture), o.Run?.Monitor ?? "",
                    (o.Run?.BestValue ?? double.NaN).ToString("R", CultureInfo.InvariantCulture), (o.Run?.BestEpoch ?? 0).ToString(CultureInfo.InvariantCulture), o.Run?.RunId ?? ""]);
            csv.Append(string.Join(',', cells.Select(Quote))).Append('\n');
        }
        return csv.ToString();
    }

    private static string Quote(string cell) => cell.IndexOfAny([',', '"', '\n']) >= 0 ? "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : cell;

    private static string Json(IReadOnlyList<CombinationOutcome> ranked, IReadOnlyList<string> keys) =>
        new JsonArray(ranked.Select(o => (JsonNode)new JsonObject
        {
            ["number"] = o.Combination.Index + 1,
            ["parameters"] = new JsonObject(keys.Select(k => KeyValuePair.Create(k, (JsonNode?)JsonValue.Create(Value(o.Combination.Parameters.GetValueOrDefault(k)))))),
            ["status"] = o.State.ToString(),
            ["epochs"] = o.Run?.EpochsCompleted ?? 0,
            ["monitor"] = o.Run?.Monitor ?? "",
            // JSON has no NaN: a run without a value has null.
            ["best_value"] = o.Run is { } r && double.IsFinite(r.BestValue) ? r.BestValue : null,
            ["best_epoch"] = o.Run?.BestEpoch ?? 0,
            ["run_id"] = o.Run?.RunId ?? "",
            ["folder"] = o.Combination.Directory,
        }).ToArray()).ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    private static double[] MonitoredCurve(TrainingRun run)
    {
        var metric = new MonitoredMetric(run.Monitor, hasValidation: run.Monitor.StartsWith("val_", StringComparison.Ordinal));
        return run.History.Select(metric.ValueOf).ToArray();
    }

    private static byte[] Curves(IReadOnlyList<CombinationOutcome> ranked, string monitor)
    {
        var plot = new ScottPlot.Plot();
        foreach (var o in ranked.Where(o => o.Run is { History.Count: > 0 } && o.Run.Monitor.Length > 0))
        {
            var run = o.Run!;
            var line = plot.Add.Scatter(run.History.Select(r => (double)r.Epoch).ToArray(), MonitoredCurve(run));
            line.LegendText = $"{o.Combination.Index + 1}: {SweepManifest.Describe(o.Combination.Parameters)}";
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.Title($"{monitor} by epoch, every combination");
        plot.XLabel("epoch");
        plot.YLabel(monitor);
        plot.ShowLegend(ScottPlot.Edge.Right);
        return plot.GetImageBytes(Width + 400, Height, ScottPlot.ImageFormat.Png);
    }

    /// <summary>The key's values on x (numbers as they are, anything else as categories) against each run's best value.</summary>
    private static byte[] KeyFigure(IReadOnlyList<CombinationOutcome> ranked, string key, string monitor)
    {
        var plot = new ScottPlot.Plot();
        var points = ranked.Where(o => o.Run is { } r && double.IsFinite(r.BestValue) && o.Combination.Parameters.ContainsKey(key)).ToList();
        var values = points.Select(o => o.Combination.Parameters[key]).ToList();
        bool numeric = values.All(v => v is int or long or double or float or decimal);
        var categories = values.Select(Value).Distinct().ToList();
        double[] xs = numeric
            ? values.Select(v => Convert.ToDouble(v, CultureInfo.InvariantCulture)).ToArray()
            : values.Select(v => (double)categories.IndexOf(Value(v))).ToArray();
        var marks = plot.Add.ScatterPoints(xs, points.Select(o => o.Run!.BestValue).ToArray());
        marks.MarkerSize = 10;
        if (!numeric)
            plot.Axes.Bottom.SetTicks(Enumerable.Range(0, categories.Count).Select(i => (double)i).ToArray(), categories.ToArray());
        plot.Title($"{key} against the best {monitor}");
        plot.XLabel(key);
        plot.YLabel($"best {monitor}");
        return plot.GetImageBytes(Width, Height, ScottPlot.ImageFormat.Png);
    }

    private static string Html(SweepManifest manifest, IReadOnlyList<CombinationOutcome> ranked, IReadOnlyList<string> keys, string monitor,
        IReadOnlyList<(string Title, byte[] Png)> figures)
    {
        var html = new StringBuilder();
        string title = $"Sweep {Path.GetFileName(manifest.Folder)}";
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").Append(HtmlEncode(title)).Append("</title>\n");
        html.Append("<style>\nbody { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1250px; color: #222; }\n")
            .Append("table { border-collapse: collapse; font-size: 0.85em; } th, td { padding: 2px 8px; border-bottom: 1px solid #eee; text-align: right; }\n")
            .Append("th { background: #f4f4f4; } tr.best { background: #fff3c4; font-weight: bold; } img { max-width: 100%; }\n</style>\n</head>\n<body>\n");
        html.Append("<h1>").Append(HtmlEncode(title)).Append("</h1>\n<p>").Append(HtmlEncode(
            $"{manifest.Combinations.Count} combination(s), strategy {manifest.Strategy}, sorted by the best {monitor} (best first). Folder: {manifest.Folder}")).Append("</p>\n");
        html.Append("<table>\n<tr><th>#</th>");
        foreach (string key in keys) html.Append("<th>").Append(HtmlEncode(key)).Append("</th>");
        html.Append("<th>status</th><th>epochs</th><th>best ").Append(HtmlEncode(monitor)).Append("</th><th>best epoch</th><th>run</th></tr>\n");
        for (int i = 0; i < ranked.Count; i++)
        {
            var o = ranked[i];
            html.Append(i == 0 ? "<tr class=\"best\">" : "<tr>").Append(CultureInfo.InvariantCulture, $"<td>{o.Combination.Index + 1}</td>");
            foreach (string key in keys) html.Append("<td>").Append(HtmlEncode(Value(o.Combination.Parameters.GetValueOrDefault(key)))).Append("</td>");
            html.Append(CultureInfo.InvariantCulture, $"<td>{o.State}</td><td>{o.Run?.EpochsCompleted ?? 0}</td><td>{o.Run?.BestValue ?? double.NaN:G5}</td><td>{o.Run?.BestEpoch ?? 0}</td>")
                .Append("<td>").Append(HtmlEncode(o.Run?.RunId ?? "")).Append("</td></tr>\n");
        }
        html.Append("</table>\n");
        foreach (var (figureTitle, png) in figures)
            html.Append("<h2>").Append(HtmlEncode(figureTitle)).Append("</h2>\n<img alt=\"").Append(HtmlEncode(figureTitle))
                .Append("\" src=\"data:image/png;base64,").Append(Convert.ToBase64String(png)).Append("\">\n");
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }
}
