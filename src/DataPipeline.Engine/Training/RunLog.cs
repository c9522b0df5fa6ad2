using System.Globalization;
using System.Text;
using DataPipeline.Engine.Configuration;

namespace DataPipeline.Engine.Training;

/// <summary>
/// run.log in the run's folder: the configuration, the model, one line per epoch and how the run
/// ended, written line by line so that a scheduled script's log says how far a killed run got.
/// Appends, so a resumed run continues the same log, and so can a second file (-LogPath) that
/// several nights of scheduled runs share.
/// </summary>
internal sealed class RunLog
{
    // Another process holds the file for its own line: ERROR_SHARING_VIOLATION on Windows; elsewhere
    // .NET's flock fails with EWOULDBLOCK, whose errno (11 on Linux, 35 on macOS) becomes the HResult.
    private const int SharingViolation = unchecked((int)0x80070020), WouldBlockLinux = 11, WouldBlockMac = 35;
    private readonly string[] _paths;

    /// <summary>Logs to run.log in <paramref name="directory"/> and, when given, to <paramref name="copyPath"/> too.</summary>
    public RunLog(string directory, string? copyPath = null)
    {
        Path = System.IO.Path.Combine(directory, "run.log");
        _paths = copyPath is null ? [Path] : [Path, System.IO.Path.GetFullPath(copyPath)];
        foreach (var path in _paths) Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
    }

    public string Path { get; }

    public void Line(string text)
    {
        byte[] line = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"{DateTimeOffset.Now:yyyy-MM-dd HH:mm:ss} {text}{Environment.NewLine}"));
        foreach (var path in _paths) Append(path, line);
    }

    /// <summary>
    /// Appends one whole line while no other writer may open the file, opening it for that line
    /// only: .NET's FileMode.Append writes at the length it saw when opening, so two runs that kept
    /// one log open would overwrite each other's lines. Readers stay welcome: Windows' share mode
    /// admits them, and elsewhere the lock is an advisory flock that `tail -f` never asks for.
    /// </summary>
    private static void Append(string path, byte[] line)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                // On Unix .NET takes an exclusive flock only for FileShare.None; FileShare.Read would share it.
                using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, OperatingSystem.IsWindows() ? FileShare.Read : FileShare.None);
                stream.Write(line);
                return;
            }
            catch (IOException e) when (attempt < 100 && Locked(e))
            {
                Thread.Sleep(10);
            }
        }
    }

    private static bool Locked(IOException e) => OperatingSystem.IsWindows()
        ? e.HResult == SharingViolation
        : e.HResult == (OperatingSystem.IsMacOS() ? WouldBlockMac : WouldBlockLinux);

    /// <summary>
    /// The run's first lines: what it is, where it runs, and its settings as the run really uses
    /// them: <paramref name="config"/>'s [batch] and [augment] are <paramref name="generator"/>'s.
    /// </summary>
    public void Start(TrainingRun run, PipelineConfig config, Batching.BatchGenerator generator, bool resumed)
    {
        Line(resumed ? $"resumed run {run.RunId} after epoch {run.EpochsCompleted}" : $"run {run.RunId}");
        Line($"device {run.Device}, {run.Threads} thread(s); U-Net {string.Join("x", run.InputShape)} -> {string.Join("x", run.OutputShape)}, " +
             $"{run.TrainableParameters} trainable parameters; {run.TrainingFrames} training and {run.ValidationFrames} validation frames");
        Line($"batches of {generator.BatchSize}: {generator.SamplingDescription}; augmentation {generator.Augmenter}");
        foreach (var line in ConfigTemplate.Write(config).Split('\n'))
            if (line.Length > 0 && !line.StartsWith('#')) Line("  " + line);
    }

    public void Epoch(EpochRecord r, int epochs) => Line(string.Create(CultureInfo.InvariantCulture,
        $"epoch {r.Epoch}/{epochs} lr {r.LearningRate:G4} loss {r.Loss:G6} val_loss {r.ValLoss:G6} dice {r.Dice:G4} val_dice {r.ValDice:G4} " +
        $"precision {r.Precision:G4} recall {r.Recall:G4} val_f1 {r.ValF1:G4} val_jaccard {r.ValJaccard:G4} val_rmse_px {r.ValRmsePx:G4} skipped {r.SkippedSteps} {r.Seconds:F1}s (data wait {r.DataWaitSeconds:F2}s)"));
}
