using DataPipeline.Engine.IO;
using DataPipeline.Engine.Training;

namespace DataPipeline.Engine.Reporting;

/// <summary>What Export-TrainingHistory writes.</summary>
public enum HistoryFormat
{
    /// <summary>&lt;RunId&gt;.history.csv: one row per epoch.</summary>
    Csv,

    /// <summary>&lt;RunId&gt;.history.json: the run's facts and its history.</summary>
    Json,

    /// <summary>&lt;RunId&gt;.&lt;metric&gt;.png per metric and &lt;RunId&gt;.summary.png.</summary>
    Png,

    /// <summary>&lt;RunId&gt;.html: one self-contained page with everything.</summary>
    Html,
}

/// <summary>
/// Writes a run's history files into a folder, every name prefixed by the run's id so that any
/// number of runs share one folder without overwriting each other. Each file is written atomically.
/// </summary>
public static class HistoryExport
{
    public static readonly IReadOnlyList<HistoryFormat> DefaultFormats = [HistoryFormat.Csv, HistoryFormat.Json, HistoryFormat.Png, HistoryFormat.Html];

    /// <summary>The name of one of <paramref name="run"/>'s files, e.g. "20261122-231500-1a2b3c.loss.png".</summary>
    public static string FileName(TrainingRun run, string suffix) => $"{run.RunId}.{suffix}";

    /// <summary>Writes the <paramref name="formats"/> into <paramref name="directory"/>; returns the paths in writing order.</summary>
    public static IReadOnlyList<string> Write(TrainingRun run, string directory, IReadOnlyCollection<HistoryFormat> formats, bool logScale)
    {
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        void Text(string suffix, string text)
        {
            string path = Path.Combine(directory, FileName(run, suffix));
            AtomicFile.WriteAllText(path, text);
            written.Add(path);
        }

        if (formats.Contains(HistoryFormat.Csv)) Text("history.csv", HistoryFiles.ToCsv(run.History));
        if (formats.Contains(HistoryFormat.Json)) Text("history.json", HistoryFiles.ToJson(run));
        // Rendered once: the page embeds the same figures the PNG files hold.
        var figures = formats.Contains(HistoryFormat.Png) || formats.Contains(HistoryFormat.Html)
            ? HistoryPlots.Render(run, logScale)
            : [];
        if (formats.Contains(HistoryFormat.Png))
        {
            foreach (var figure in figures)
            {
                string path = Path.Combine(directory, FileName(run, figure.Name + ".png"));
                AtomicFile.WriteStream(path, stream => stream.Write(figure.Png));
                written.Add(path);
            }
        }
        if (formats.Contains(HistoryFormat.Html)) Text("html", HistoryReport.Html(run, figures));
        return written;
    }
}
