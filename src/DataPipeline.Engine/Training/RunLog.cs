using System.Globalization;
using DataPipeline.Engine.Configuration;

namespace DataPipeline.Engine.Training;

/// <summary>
/// run.log in the run's folder: the configuration, the model, one line per epoch and how the run
/// ended, flushed line by line so that a scheduled script's log says how far a killed run got.
/// Appends, so a resumed run continues the same log.
/// </summary>
internal sealed class RunLog : IDisposable
{
    private readonly StreamWriter _writer;

    public RunLog(string directory)
    {
        Directory.CreateDirectory(directory);
        Path = System.IO.Path.Combine(directory, "run.log");
        _writer = new StreamWriter(Path, append: true) { AutoFlush = true };
    }

    public string Path { get; }

    public void Line(string text) =>
        _writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.Now:yyyy-MM-dd HH:mm:ss} {text}"));

    public void Start(TrainingRun run, PipelineConfig config, bool resumed)
    {
        Line(resumed ? $"resumed run {run.RunId} after epoch {run.EpochsCompleted}" : $"run {run.RunId}");
        Line($"device {run.Device}, {run.Threads} thread(s); U-Net {string.Join("x", run.InputShape)} -> {string.Join("x", run.OutputShape)}, " +
             $"{run.TrainableParameters} trainable parameters; {run.TrainingFrames} training and {run.ValidationFrames} validation frames");
        foreach (var line in ConfigTemplate.Write(config).Split('\n'))
            if (line.Length > 0 && !line.StartsWith('#')) Line("  " + line);
    }

    public void Epoch(EpochRecord r, int epochs) => Line(string.Create(CultureInfo.InvariantCulture,
        $"epoch {r.Epoch}/{epochs} lr {r.LearningRate:G4} loss {r.Loss:G6} val_loss {r.ValLoss:G6} dice {r.Dice:G4} val_dice {r.ValDice:G4} " +
        $"precision {r.Precision:G4} recall {r.Recall:G4} val_f1 {r.ValF1:G4} val_rmse_px {r.ValRmsePx:G4} skipped {r.SkippedSteps} {r.Seconds:F1}s (data wait {r.DataWaitSeconds:F2}s)"));

    public void Dispose() => _writer.Dispose();
}
