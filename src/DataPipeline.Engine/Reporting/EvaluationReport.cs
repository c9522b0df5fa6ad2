using System.Globalization;
using System.Text;
using DataPipeline.Engine.Evaluation;
using DataPipeline.Engine.IO;
using static System.Net.WebUtility;

namespace DataPipeline.Engine.Reporting;

/// <summary>The files Export-EvaluationReport writes: the figures as PNG, the page as HTML.</summary>
public enum EvaluationReportFormat
{
    Png,
    Html,
}

/// <summary>
/// Writes an evaluation's figures as PNG files and one self-contained HTML page (the scores, the
/// figures as data URIs, the threshold sweep) that a browser shows offline.
/// </summary>
public static class EvaluationReport
{
    private const string Style = """
        body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
        h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ccc; }
        table { border-collapse: collapse; font-size: 0.85em; }
        th, td { padding: 2px 8px; border-bottom: 1px solid #eee; text-align: right; }
        th { background: #f4f4f4; } td.text, th.text { text-align: left; }
        img { max-width: 100%; border: 1px solid #eee; margin: 4px 0; }
        """;

    /// <summary>
    /// Writes <paramref name="name"/>-roc.png, -precision-recall.png, -localisation-error.png (those
    /// the result has data for) and <paramref name="name"/>.html into <paramref name="directory"/>;
    /// returns the paths in writing order.
    /// </summary>
    public static IReadOnlyList<string> Write(EvaluationResult result, string directory, string name, bool png = true, bool html = true)
    {
        Directory.CreateDirectory(directory);
        var figures = EvaluationFigures.Render(result);
        var written = new List<string>();
        if (png)
        {
            foreach (var figure in figures)
            {
                string path = Path.Combine(directory, $"{name}-{figure.Name}.png");
                AtomicFile.WriteStream(path, stream => stream.Write(figure.Png));
                written.Add(path);
            }
        }
        if (html)
        {
            string path = Path.Combine(directory, name + ".html");
            AtomicFile.WriteAllText(path, Html(result, figures));
            written.Add(path);
        }
        return written;
    }

    public static string Html(EvaluationResult result, IReadOnlyList<EvaluationFigure> figures)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Evaluation</title>\n");
        html.Append("<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n<h1>Evaluation of ")
            .Append(result.FrameCount.ToString(CultureInfo.InvariantCulture)).Append(" frames</h1>\n");
        Scores(html, result);
        html.Append("<h2>Figures</h2>\n");
        foreach (var figure in figures)
        {
            html.Append("<img alt=\"").Append(HtmlEncode(figure.Title)).Append("\" src=\"data:image/png;base64,")
                .Append(Convert.ToBase64String(figure.Png)).Append("\">\n");
        }
        Sweep(html, result);
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    private static void Scores(StringBuilder html, EvaluationResult r)
    {
        (string, string)[] rows =
        [
            ("method", r.Method.ToString()),
            ("truth", r.Truth.ToString()),
            ("threshold", Number(r.Threshold)),
            ("tolerance (px)", Number(r.TolerancePx)),
            ("true positives", Count(r.TruePositives)),
            ("false positives", Count(r.FalsePositives)),
            ("false negatives", Count(r.FalseNegatives)),
            ("precision", Number(r.Precision)),
            ("recall", Number(r.Recall)),
            ("F1", Number(r.F1)),
            ("Jaccard", Number(r.Jaccard)),
            ("RMSE (px)", Number(r.RmsePx)),
            ("best threshold (F1)", Number(r.BestThreshold)),
            ("pixel precision", Number(r.Pixels?.Precision ?? double.NaN)),
            ("pixel recall", Number(r.Pixels?.TruePositiveRate ?? double.NaN)),
            ("pixel accuracy", Number(r.PixelAccuracy)),
            ("pixel balanced accuracy", Number(r.PixelBalancedAccuracy)),
            ("ROC AUC", Number(r.RocAuc)),
        ];
        html.Append("<h2>Scores</h2>\n<table>\n");
        foreach (var (label, value) in rows)
            html.Append("<tr><th class=\"text\">").Append(HtmlEncode(label)).Append("</th><td>").Append(HtmlEncode(value)).Append("</td></tr>\n");
        html.Append("</table>\n");
    }

    private static void Sweep(StringBuilder html, EvaluationResult r)
    {
        if (r.Sweep.Count == 0) return;
        html.Append("<h2>Threshold sweep (localisation)</h2>\n<table>\n<tr><th>threshold</th><th>TP</th><th>FP</th><th>FN</th><th>precision</th><th>recall</th><th>F1</th><th>RMSE (px)</th></tr>\n");
        foreach (var p in r.Sweep)
        {
            html.Append("<tr><td>").Append(Number(p.Threshold)).Append("</td><td>").Append(Count(p.TruePositives))
                .Append("</td><td>").Append(Count(p.FalsePositives)).Append("</td><td>").Append(Count(p.FalseNegatives))
                .Append("</td><td>").Append(Number(p.Precision)).Append("</td><td>").Append(Number(p.Recall))
                .Append("</td><td>").Append(Number(p.F1)).Append("</td><td>").Append(Number(p.RmsePx)).Append("</td></tr>\n");
        }
        html.Append("</table>\n");
    }

    private static string Number(double v) => double.IsFinite(v) ? v.ToString("G5", CultureInfo.InvariantCulture) : "";

    private static string Count(long v) => v.ToString(CultureInfo.InvariantCulture);
}
