using System.Globalization;
using System.Text;
using System.Text.Json;
using DataPipeline.Engine.Training;

namespace DataPipeline.Engine.Reporting;

/// <summary>
/// The history as CSV and JSON: every metric of every epoch. Numbers use the
/// invariant culture; a metric that does not exist for a run (validation without a split) is an
/// empty CSV cell and a JSON null.
/// </summary>
public static class HistoryFiles
{
    public static string ToCsv(IReadOnlyList<EpochRecord> history)
    {
        var text = new StringBuilder();
        text.Append("epoch");
        foreach (var (column, _) in HistoryMetric.Columns) text.Append(',').Append(column);
        text.Append('\n');
        foreach (var record in history)
        {
            text.Append(record.Epoch.ToString(CultureInfo.InvariantCulture));
            foreach (var (_, value) in HistoryMetric.Columns)
            {
                double v = value(record);
                text.Append(',');
                if (double.IsFinite(v)) text.Append(v.ToString("R", CultureInfo.InvariantCulture));
            }
            text.Append('\n');
        }
        return text.ToString();
    }

    public static string ToJson(TrainingRun run)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("run_id", run.RunId);
            json.WriteString("status", run.Status.ToString());
            json.WriteString("message", run.Message);
            json.WriteString("device", run.Device);
            json.WriteNumber("threads", run.Threads);
            json.WriteNumber("trainable_parameters", run.TrainableParameters);
            json.WriteNumber("epochs_planned", run.EpochsPlanned);
            json.WriteNumber("best_epoch", run.BestEpoch);
            json.WriteString("monitor", run.Monitor);
            WriteNumberOrNull(json, "best_value", run.BestValue);
            if (run.LogPath is not null) json.WriteString("log", run.LogPath);
            json.WriteString("start_time", run.StartTime.ToString("O", CultureInfo.InvariantCulture));
            json.WriteNumber("duration_seconds", run.Duration.TotalSeconds);
            json.WriteStartArray("history");
            foreach (var record in run.History)
            {
                json.WriteStartObject();
                json.WriteNumber("epoch", record.Epoch);
                foreach (var (column, value) in HistoryMetric.Columns)
                    WriteNumberOrNull(json, column, value(record));
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteNumberOrNull(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value)) json.WriteNumber(name, value);
        else json.WriteNull(name);
    }
}
