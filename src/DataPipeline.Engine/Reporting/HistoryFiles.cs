using System.Globalization;
using System.Text;
using System.Text.Json;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Models;
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
            json.WriteNumber("total_parameters", run.TotalParameters);
            json.WriteNumber("epochs_planned", run.EpochsPlanned);
            if (run.Status == TrainingStatus.Failed)
            {
                json.WriteNumber("failed_epoch", run.FailedEpoch);
                json.WriteNumber("failed_step", run.FailedStep);
            }
            WriteInts(json, "input_shape", run.InputShape);
            WriteInts(json, "output_shape", run.OutputShape);
            json.WriteNumber("training_frames", run.TrainingFrames);
            json.WriteNumber("validation_frames", run.ValidationFrames);
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
            // What Import-TrainingRun needs to give back the whole run, reports included.
            json.WriteStartArray("layers");
            foreach (var layer in run.Layers)
            {
                json.WriteStartObject();
                json.WriteString("name", layer.Name);
                json.WriteString("type", layer.Type);
                json.WriteNumber("parameters", layer.Parameters);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteString("config", ConfigTemplate.Write(run.Config));
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>
    /// The run that <see cref="ToJson"/> wrote, read back from <paramref name="path"/> (Import-TrainingRun):
    /// facts, history, layers and configuration. Checkpoint paths are the caller's to find.
    /// </summary>
    public static TrainingRun FromJson(string path, string outputDirectory)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = document.RootElement;
        string Text(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
        long Whole(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;
        int[] Ints(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array
            ? v.EnumerateArray().Select(e => e.GetInt32()).ToArray() : [];

        var config = root.TryGetProperty("config", out var toml)
            ? ConfigLoader.Parse(toml.GetString()!, $"{path} (configuration)")
            : new PipelineConfig();
        var run = new TrainingRun(Text("run_id"), config, outputDirectory)
        {
            Status = Enum.Parse<TrainingStatus>(Text("status")),
            Message = Text("message"),
            Device = Text("device"),
            Threads = (int)Whole("threads"),
            TrainableParameters = Whole("trainable_parameters"),
            TotalParameters = Whole("total_parameters"),
            EpochsPlanned = (int)Whole("epochs_planned"),
            FailedEpoch = (int)Whole("failed_epoch"),
            FailedStep = (int)Whole("failed_step"),
            InputShape = Ints("input_shape"),
            OutputShape = Ints("output_shape"),
            TrainingFrames = (int)Whole("training_frames"),
            ValidationFrames = (int)Whole("validation_frames"),
            BestEpoch = (int)Whole("best_epoch"),
            Monitor = Text("monitor"),
            BestValue = Number(root, "best_value"),
            LogPath = Text("log") is { Length: > 0 } log ? log : null,
            StartTime = DateTimeOffset.Parse(Text("start_time"), CultureInfo.InvariantCulture),
            Duration = TimeSpan.FromTicks((long)Math.Round(Number(root, "duration_seconds") * TimeSpan.TicksPerSecond)),
        };
        if (root.TryGetProperty("layers", out var layers))
            run.Layers = layers.EnumerateArray().Select(l =>
                new UNetLayer(l.GetProperty("name").GetString()!, l.GetProperty("type").GetString()!, l.GetProperty("parameters").GetInt64())).ToList();
        foreach (var row in root.GetProperty("history").EnumerateArray())
            run.Add(RecordFrom(row));
        return run;
    }

    /// <summary>
    /// One history row from its columns; every column of <see cref="HistoryMetric.Columns"/> is
    /// read here (a test round-trips them all, so a new metric cannot be forgotten).
    /// </summary>
    private static EpochRecord RecordFrom(JsonElement row)
    {
        double V(string column) => Number(row, column);
        return new EpochRecord
        {
            Epoch = row.GetProperty("epoch").GetInt32(),
            Loss = V("loss"), ValLoss = V("val_loss"),
            Mse = V("mse"), ValMse = V("val_mse"),
            Dice = V("dice"), ValDice = V("val_dice"),
            Precision = V("precision"), ValPrecision = V("val_precision"),
            Recall = V("recall"), ValRecall = V("val_recall"),
            ValF1 = V("val_f1"), ValJaccard = V("val_jaccard"), ValRmsePx = V("val_rmse_px"),
            LearningRate = V("learning_rate"),
            Seconds = V("seconds"),
            DataWaitSeconds = V("data_wait_seconds"),
            SkippedSteps = (int)V("skipped_steps"),
            Retries = (int)V("retries"),
        };
    }

    /// <summary>A number, or NaN for a JSON null (a metric this run did not record).</summary>
    private static double Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : double.NaN;

    private static void WriteInts(Utf8JsonWriter json, string name, int[] values)
    {
        json.WriteStartArray(name);
        foreach (int value in values) json.WriteNumberValue(value);
        json.WriteEndArray();
    }

    private static void WriteNumberOrNull(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value)) json.WriteNumber(name, value);
        else json.WriteNull(name);
    }
}
