using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using DataPipeline.Engine.Reporting;
using DataPipeline.Engine.Training;
using Xunit;

namespace DataPipeline.Tests.Engine;

public sealed class HistoryReportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dp-history-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static TrainingRun Run(bool validation)
    {
        var run = new TrainingRun("20261122-000000-abcdef", new(), "/tmp/x") { BestEpoch = 2, BestValue = 0.25, Monitor = "val_loss" };
        for (int e = 1; e <= 3; e++)
        {
            run.Add(new EpochRecord
            {
                Epoch = e, LearningRate = 1e-3, Loss = 1.0 / e, Mse = 0.1 / e, Dice = 0.2 * e, Precision = 0.5, Recall = 0.25 * e,
                ValLoss = validation ? 0.5 / e : double.NaN, ValMse = validation ? 0.05 : double.NaN,
                ValDice = validation ? 0.3 : double.NaN, ValPrecision = validation ? 0.4 : double.NaN,
                ValRecall = validation ? 0.6 : double.NaN, Seconds = 1.5, DataWaitSeconds = 0.01,
            });
        }
        run.Status = TrainingStatus.Completed;
        return run;
    }

    [Fact]
    public void CsvAndJsonHoldEveryMetricAndReadBack()
    {
        var run = Run(validation: true);
        var files = HistoryFiles.Write(run, _dir);
        var lines = File.ReadAllLines(files[0]);
        Assert.Equal("epoch,loss,val_loss,mse,val_mse,dice,val_dice,precision,val_precision,recall,val_recall,val_f1,val_rmse_px,learning_rate,seconds,data_wait_seconds,skipped_steps", lines[0]);
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
        var run = Run(validation: false);
        var files = HistoryFiles.Write(run, _dir);
        var row = File.ReadAllLines(files[0])[1].Split(',');
        Assert.Equal("", row[2]);
        using var json = JsonDocument.Parse(File.ReadAllText(files[1]));
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("history")[0].GetProperty("val_loss").ValueKind);
    }

    [Fact]
    public void OnePngPerMetricIsWritten()
    {
        var files = HistoryPlots.Write(Run(validation: true), _dir);
        Assert.Equal(["loss.png", "mse.png", "dice.png", "precision.png", "recall.png", "val_f1.png", "val_rmse_px.png", "learning_rate.png"], files.Select(Path.GetFileName));
        foreach (var file in files)
        {
            var bytes = File.ReadAllBytes(file);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
            // IHDR holds width and height as big-endian integers at bytes 16 and 20.
            Assert.Equal(HistoryPlots.Width, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));
            Assert.Equal(HistoryPlots.Height, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
            Assert.True(bytes.Length > 5000, $"{file} is suspiciously small ({bytes.Length} bytes)");
        }
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp", SearchOption.AllDirectories));
    }
}
