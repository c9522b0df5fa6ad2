using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using DataPipeline.Engine.Models;
using DataPipeline.Engine.Reporting;
using DataPipeline.Engine.Training;
using Xunit;

namespace DataPipeline.Tests.Engine;

public sealed class HistoryReportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dp-history-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static TrainingRun Run(bool validation, string runId = "20261122-000000-abcdef", Func<int, double>? learningRate = null)
    {
        var run = new TrainingRun(runId, new(), "/tmp/x")
        {
            BestEpoch = 2, BestValue = 0.25, Monitor = "val_loss", Device = "cpu", Threads = 2, EpochsPlanned = 3,
            Layers = [new UNetLayer("encoder.0.conv", "Conv2d", 40), new UNetLayer("head", "Conv2d", 5)],
            TrainableParameters = 45, TotalParameters = 45, InputShape = [32, 32], OutputShape = [64, 64],
        };
        for (int e = 1; e <= 3; e++)
        {
            run.Add(new EpochRecord
            {
                Epoch = e, LearningRate = learningRate?.Invoke(e) ?? 1e-3, Loss = 1.0 / e, Mse = 0.1 / e, Dice = 0.2 * e, Precision = 0.5, Recall = 0.25 * e,
                ValLoss = validation ? 0.5 / e : double.NaN, ValMse = validation ? 0.05 : double.NaN,
                ValDice = validation ? 0.3 : double.NaN, ValPrecision = validation ? 0.4 : double.NaN,
                ValRecall = validation ? 0.6 : double.NaN, Seconds = 1.5, DataWaitSeconds = 0.01,
            });
        }
        run.Status = TrainingStatus.Completed;
        return run;
    }

    private IReadOnlyList<string> Export(TrainingRun run, params HistoryFormat[] formats) =>
        HistoryExport.Write(run, _dir, formats.Length == 0 ? HistoryExport.DefaultFormats : formats, logScale: false);

    [Fact]
    public void CsvAndJsonHoldEveryMetricAndReadBack()
    {
        var run = Run(validation: true);
        var files = Export(run, HistoryFormat.Csv, HistoryFormat.Json);
        Assert.Equal(["20261122-000000-abcdef.history.csv", "20261122-000000-abcdef.history.json"], files.Select(Path.GetFileName));
        var lines = File.ReadAllLines(files[0]);
        Assert.Equal("epoch,loss,val_loss,mse,val_mse,dice,val_dice,precision,val_precision,recall,val_recall,val_f1,val_jaccard,val_rmse_px,learning_rate,seconds,data_wait_seconds,skipped_steps,retries", lines[0]);
        Assert.Equal(4, lines.Length);
        var row3 = lines[3].Split(',');
        Assert.Equal("3", row3[0]);
        Assert.Equal(1.0 / 3, double.Parse(row3[1], CultureInfo.InvariantCulture), 15);
        Assert.Equal(0.5 / 3, double.Parse(row3[2], CultureInfo.InvariantCulture), 15);

        using var json = JsonDocument.Parse(File.ReadAllText(files[1]));
        var history = json.RootElement.GetProperty("history");
        Assert.Equal(3, history.GetArrayLength());
        Assert.Equal(0.75, history[2].GetProperty("recall").GetDouble());
        Assert.Equal("Completed", json.RootElement.GetProperty("status").GetString());
        Assert.Equal(2, json.RootElement.GetProperty("best_epoch").GetInt32());
    }

    [Fact]
    public void MissingValidationIsEmptyInCsvAndNullInJson()
    {
        var files = Export(Run(validation: false), HistoryFormat.Csv, HistoryFormat.Json);
        var row = File.ReadAllLines(files[0])[1].Split(',');
        Assert.Equal("", row[2]);
        using var json = JsonDocument.Parse(File.ReadAllText(files[1]));
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("history")[0].GetProperty("val_loss").ValueKind);
    }

    [Fact]
    public void OnePngPerRecordedMetricAndASummaryGrid()
    {
        var files = Export(Run(validation: true), HistoryFormat.Png);
        // val_f1 and val_rmse_px were never recorded (NaN throughout), so they get no empty figure.
        Assert.Equal(["loss", "mse", "dice", "precision", "recall", "learning_rate", "summary"],
            files.Select(f => Path.GetFileName(f)["20261122-000000-abcdef.".Length..^".png".Length]));
        foreach (var file in files)
        {
            var bytes = File.ReadAllBytes(file);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
            // IHDR holds width and height as big-endian integers at bytes 16 and 20.
            var (width, height) = file.EndsWith(".summary.png") ? (2 * HistoryPlots.PanelWidth, 3 * HistoryPlots.PanelHeight) : (HistoryPlots.Width, HistoryPlots.Height);
            Assert.Equal(width, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));
            Assert.Equal(height, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
            Assert.True(bytes.Length > 5000, $"{file} is suspiciously small ({bytes.Length} bytes)");
        }
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void EveryFigureShowsTrainingAndValidationAndMarksTheMonitoredBestEpoch()
    {
        var run = Run(validation: true);
        foreach (var metric in new[] { "loss", "dice", "recall" })
        {
            var plot = HistoryPlots.Plot(run, HistoryMetric.All.Single(m => m.Name == metric), logScale: false);
            var curves = plot.GetPlottables<ScottPlot.Plottables.Scatter>().ToList();
            Assert.Equal(["training", "validation"], curves.Select(c => c.LegendText));
            var best = Assert.Single(plot.GetPlottables<ScottPlot.Plottables.VerticalLine>());
            Assert.Equal(2, best.X);
            Assert.Equal("best epoch 2", best.LabelText);
            Assert.Contains("val_loss 0.25", best.LegendText);
        }
        // Only the monitored metric's figure circles the best point itself, at (epoch, best value).
        var lossMarker = Assert.Single(HistoryPlots.Plot(run, HistoryMetric.All[0], logScale: false).GetPlottables<ScottPlot.Plottables.Marker>());
        Assert.Equal(new ScottPlot.Coordinates(2, 0.25), lossMarker.Location);
        Assert.Empty(HistoryPlots.Plot(run, HistoryMetric.All.Single(m => m.Name == "dice"), logScale: false).GetPlottables<ScottPlot.Plottables.Marker>());
    }

    [Fact]
    public void LogScalePlotsLossesAsLog10AndLeavesScoresLinear()
    {
        var run = Run(validation: true);
        var loss = HistoryMetric.All.Single(m => m.Name == "loss");
        var dice = HistoryMetric.All.Single(m => m.Name == "dice");
        Assert.True(HistoryPlots.LogAxis(run, loss, logScale: true));
        Assert.False(HistoryPlots.LogAxis(run, loss, logScale: false));
        Assert.False(HistoryPlots.LogAxis(run, dice, logScale: true));

        var training = HistoryPlots.Plot(run, loss, logScale: true).GetPlottables<ScottPlot.Plottables.Scatter>().First();
        var ys = training.Data.GetScatterPoints().Select(p => p.Y).ToArray();
        Assert.Equal(new[] { Math.Log10(1.0), Math.Log10(0.5), Math.Log10(1.0 / 3) }, ys);
        var marker = Assert.Single(HistoryPlots.Plot(run, loss, logScale: true).GetPlottables<ScottPlot.Plottables.Marker>());
        Assert.Equal(Math.Log10(0.25), marker.Location.Y, 12);

        // Scores keep the [0, 1] axis whatever their values, so runs compare at a glance.
        var limits = HistoryPlots.Plot(run, dice, logScale: true).Axes.GetLimits();
        Assert.Equal(-0.02, limits.Bottom, 12);
        Assert.Equal(1.02, limits.Top, 12);
    }

    [Fact]
    public void LearningRateGetsALogAxisOnlyWhenItSpansADecade()
    {
        var lr = HistoryMetric.All.Single(m => m.Name == "learning_rate");
        Assert.False(HistoryPlots.LogAxis(Run(validation: true), lr, logScale: false));
        Assert.True(HistoryPlots.LogAxis(Run(validation: true, learningRate: e => Math.Pow(10, -1 - e)), lr, logScale: false));
    }

    [Fact]
    public void ASecondRunExportedIntoTheSameFolderLeavesTheFirstIntact()
    {
        var first = Export(Run(validation: true, runId: "20261122-010000-aaaaaa"));
        var before = first.ToDictionary(f => f, File.ReadAllBytes);
        var second = Export(Run(validation: false, runId: "20261122-020000-bbbbbb"));

        Assert.Empty(first.Intersect(second));
        Assert.All(second, f => Assert.StartsWith("20261122-020000-bbbbbb.", Path.GetFileName(f)));
        foreach (var (path, bytes) in before) Assert.Equal(bytes, File.ReadAllBytes(path));
        Assert.Equal(first.Count + second.Count, Directory.GetFiles(_dir).Length);
    }

    [Fact]
    public void HtmlPageIsSelfContainedWithFiguresHistoryModelAndConfig()
    {
        var run = Run(validation: true);
        var files = Export(run, HistoryFormat.Html);
        Assert.Equal("20261122-000000-abcdef.html", Path.GetFileName(Assert.Single(files)));
        string html = File.ReadAllText(files[0]);

        // Offline: nothing is fetched, every image is an inline PNG.
        Assert.DoesNotMatch(new Regex("(href|src)=\"(?!data:)", RegexOptions.IgnoreCase), html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("<link", html);
        var images = Regex.Matches(html, "src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"");
        Assert.Equal(7, images.Count); // six metrics and the summary
        foreach (Match image in images)
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], Convert.FromBase64String(image.Groups[1].Value)[..4]);

        // The history table: a header and one row per epoch, the best epoch highlighted.
        Assert.Equal(3, Regex.Matches(html, "<tr( class=\"best\")?><td>[0-9]+</td>").Count);
        Assert.Matches("<tr class=\"best\"><td>2</td><td>0.5</td><td>0.25</td>", html);
        Assert.Contains(">encoder.0.conv</td><td class=\"text\">Conv2d</td><td>40</td>", html);
        Assert.Contains("20261122-000000-abcdef", html);
        Assert.Contains("cpu, 2 thread(s)", html);
        Assert.Contains("0.03 s (0.67 % of epoch time)", html); // 3 x 0.01 s of 3 x 1.5 s

        // The configuration is TOML that reads back to the run's settings.
        var toml = WebUtilityDecode(Regex.Match(html, "<pre>(.*?)</pre>", RegexOptions.Singleline).Groups[1].Value);
        Assert.Equal(HistoryReport.ConfigToml(run.Config), toml);
        var back = DataPipeline.Engine.Configuration.ConfigLoader.Parse(toml, "report");
        Assert.Equal(run.Config.Training.LearningRate, back.Training.LearningRate);
        Assert.Equal(run.Config.Model.Filters, back.Model.Filters);
    }

    private static string WebUtilityDecode(string text) => System.Net.WebUtility.HtmlDecode(text);
}
