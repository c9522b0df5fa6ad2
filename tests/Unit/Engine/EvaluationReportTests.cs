using System.Buffers.Binary;
using System.Text.RegularExpressions;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Evaluation;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Reporting;
using DataPipeline.Engine.Simulation;
using Xunit;

namespace DataPipeline.Tests.Engine;

/// <summary>Accuracy and balanced accuracy, and the evaluation figures and page (issue 17, elektronn2's rows).</summary>
public sealed class EvaluationReportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dp-evalreport-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly EvaluationSettings Settings = new() { Threshold = 0.5, WindowPx = 5, TolerancePx = 1.0, Refine = RefineMode.None };

    [Fact]
    public void AccuracyAndBalancedAccuracyFromHandCounts()
    {
        var c = new PixelConfusion(0.5, TruePositives: 3, FalsePositives: 1, FalseNegatives: 2, TrueNegatives: 94);
        Assert.Equal(0.97, c.Accuracy, 12);                          // (3 + 94) / 100
        Assert.Equal(94 / 95.0, c.TrueNegativeRate, 12);
        Assert.Equal((0.6 + 94 / 95.0) / 2, c.BalancedAccuracy, 12);  // (3/5 + 94/95) / 2
        // An all-zero map of 1% positives: accuracy 0.99, balanced 0.5.
        var zeros = new PixelConfusion(0.5, 0, 0, 1, 99);
        Assert.Equal((0.99, 0.5), (zeros.Accuracy, zeros.BalancedAccuracy));
        Assert.True(double.IsNaN(new PixelConfusion(0.5, 0, 0, 0, 10).BalancedAccuracy));
    }

    [Fact]
    public void TheResultCarriesThePixelAccuraciesAtItsThreshold()
    {
        // Positives 0.9, 0.4; negatives 0.6, 0.1, 0.2, 0.3. At 0.5: TP 1, FN 1, FP 1, TN 3.
        bool[] positive = [true, true, false, false, false, false];
        float[] prediction = [0.9f, 0.4f, 0.6f, 0.1f, 0.2f, 0.3f];
        var label = positive.Select(p => p ? 1f : 0f).ToArray();
        var frame = new Frame(new float[6], [2, 3], label, [2, 3], "pixels", 0, []).WithPrediction(prediction);
        var evaluator = new LocalisationEvaluator(Settings);
        evaluator.Add(frame);
        var result = evaluator.Result();
        Assert.Equal(4 / 6.0, result.PixelAccuracy, 12);
        Assert.Equal((0.5 + 0.75) / 2, result.PixelBalancedAccuracy, 12);
        // The ROC curve's point at the same threshold agrees.
        Assert.Equal(result.PixelAccuracy, result.RocCurve[500].Accuracy, 12);
        Assert.Equal(result.PixelBalancedAccuracy, result.RocCurve[500].BalancedAccuracy, 12);
    }

    [Fact]
    public void ErrorHistogramBinsByHand()
    {
        // 20 bins of 0.05 px over [0, 1]: a match at exactly the tolerance goes in the last bin.
        var counts = EvaluationFigures.ErrorHistogram([0, 0.04, 0.05, 0.5, 0.99, 1.0], 1.0, 20);
        var expected = new long[20];
        expected[0] = 2;
        expected[1] = 1;
        expected[10] = 1;
        expected[19] = 2;
        Assert.Equal(expected, counts);
        Assert.Throws<ArgumentOutOfRangeException>(() => EvaluationFigures.ErrorHistogram([0.1], 0, 20));
    }

    /// <summary>Two true positions, detected 0.25 px and 0 px away, with a label map so there are pixel counts too.</summary>
    private static EvaluationResult TwoMatches()
    {
        const int size = 16;
        var positions = new List<ScattererPosition> { new(0, 0, 4, 4.25, true), new(0, 1, 10, 12, true) };
        var prediction = new float[size * size];
        var label = new float[size * size];
        foreach (var (r, c) in new[] { (4, 4), (10, 12) })
        {
            GaussianSplat.Draw(prediction, 0, size, size, r, c, 1.0, 1.0, PsfCombine.Max);
            label[r * size + c] = 1;
        }
        var frame = new Frame(new float[size * size], [size, size], label, [size, size], "test", 0, positions).WithPrediction(prediction);
        var evaluator = new LocalisationEvaluator(Settings);
        evaluator.Add(frame);
        return evaluator.Result();
    }

    [Fact]
    public void TheErrorHistogramHoldsTheMatchedDistances()
    {
        var result = TwoMatches();
        Assert.Equal([0.0, 0.25], EvaluationFigures.MatchDistances(result).Order());
        var counts = EvaluationFigures.ErrorHistogram(EvaluationFigures.MatchDistances(result), result.TolerancePx, EvaluationFigures.ErrorBins);
        Assert.Equal((1, 1, 2L), (counts[0], counts[5], counts.Sum()));
    }

    [Fact]
    public void TheReportWritesThreeFiguresAndAnOfflinePage()
    {
        var result = TwoMatches();
        var written = EvaluationReport.Write(result, _dir, "eval");
        if (Environment.GetEnvironmentVariable("DP_KEEP_FIGURES") is { } keep) foreach (var f in written) File.Copy(f, Path.Combine(keep, Path.GetFileName(f)), true);
        Assert.Equal(["eval-roc.png", "eval-precision-recall.png", "eval-localisation-error.png", "eval.html"], written.Select(Path.GetFileName));
        foreach (var png in written.Where(f => f.EndsWith(".png")))
        {
            var bytes = File.ReadAllBytes(png);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
            Assert.Equal(EvaluationFigures.Width, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));
            Assert.Equal(EvaluationFigures.Height, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
            // Something is drawn in colour (the curves and bars), not only black, grey and white.
            using var bitmap = SkiaSharp.SKBitmap.Decode(bytes);
            int coloured = 0;
            for (int y = 0; y < bitmap.Height; y += 2)
            for (int x = 0; x < bitmap.Width; x += 2)
            {
                var p = bitmap.GetPixel(x, y);
                if (Math.Max(p.Red, Math.Max(p.Green, p.Blue)) - Math.Min(p.Red, Math.Min(p.Green, p.Blue)) > 60) coloured++;
            }
            Assert.True(coloured > 50, $"{png}: only {coloured} coloured pixels");
        }
        string html = File.ReadAllText(written[^1]);
        Assert.Equal(3, Regex.Matches(html, "src=\"data:image/png;base64,").Count);
        Assert.DoesNotMatch(new Regex("(href|src)=\"(?!data:)", RegexOptions.IgnoreCase), html);
        Assert.Contains($"<th class=\"text\">pixel balanced accuracy</th><td>{result.PixelBalancedAccuracy.ToString("G5", System.Globalization.CultureInfo.InvariantCulture)}</td>", html);
        Assert.Contains("<th class=\"text\">true positives</th><td>2</td>", html);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public void WithoutLabelMapsThereIsNoRocFigure()
    {
        const int size = 16;
        var prediction = new float[size * size];
        GaussianSplat.Draw(prediction, 0, size, size, 4, 4, 1.0, 1.0, PsfCombine.Max);
        var frame = new Frame(new float[size * size], [size, size], null, null, "test", 0,
            [new ScattererPosition(0, 0, 4, 4, true)]).WithPrediction(prediction);
        var evaluator = new LocalisationEvaluator(Settings);
        evaluator.Add(frame);
        var names = EvaluationFigures.Render(evaluator.Result()).Select(f => f.Name);
        Assert.Equal(["precision-recall", "localisation-error"], names);
    }
}
