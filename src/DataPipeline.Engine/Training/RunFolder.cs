using DataPipeline.Engine.Reporting;

namespace DataPipeline.Engine.Training;

/// <summary>
/// A run's folder (OutputDirectory/RunId) read back as the <see cref="TrainingRun"/> it holds, for
/// Import-TrainingRun: any run that completed, stopped, failed or was killed can be re-plotted and
/// resumed without the object of the session that trained it.
/// </summary>
public static class RunFolder
{
    /// <summary>
    /// The run in <paramref name="folder"/>: from &lt;RunId&gt;.history.json, which every run rewrites
    /// after each epoch and at its end, or else (a run killed in its first epoch with retries on, or one
    /// from before these files) from last.ckpt, with the status run.log's last line gives.
    /// </summary>
    public static TrainingRun Load(string folder)
    {
        folder = Path.GetFullPath(folder);
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"No run folder at {folder}.");
        string runId = Path.GetFileName(folder.TrimEnd(Path.DirectorySeparatorChar));
        string json = Path.Combine(folder, $"{runId}.history.json");
        string last = Path.Combine(folder, "last.ckpt"), best = Path.Combine(folder, "best.ckpt"), log = Path.Combine(folder, "run.log");

        TrainingRun run;
        if (File.Exists(json))
        {
            run = HistoryFiles.FromJson(json, folder);
        }
        else if (File.Exists(last))
        {
            var state = Checkpoint.ReadState(last);
            run = new TrainingRun(state.RunId, Checkpoint.ConfigOf(state, last), folder)
            {
                Status = StatusFromLog(log),
                TrainableParameters = state.TrainableParameters,
                InputShape = state.FrameShape,
                OutputShape = state.LabelShape,
                BestEpoch = state.BestEpoch,
                BestValue = state.BestValue,
                EpochsPlanned = Checkpoint.ConfigOf(state, last).Training.Epochs,
            };
            foreach (var record in state.History) run.Add(record);
        }
        else
        {
            throw new FileNotFoundException(
                $"{folder} is not a training run's folder: it holds neither {runId}.history.json nor last.ckpt. " +
                "Give the folder named by the run's id, inside Invoke-UNetTraining's -OutputDirectory.", json);
        }
        run.LastCheckpoint = File.Exists(last) ? last : null;
        run.BestCheckpoint = File.Exists(best) ? best : null;
        run.LogPath = File.Exists(log) ? log : null;
        return run;
    }

    /// <summary>How run.log says the run ended; Running when it never got to say (the process was killed).</summary>
    private static TrainingStatus StatusFromLog(string log)
    {
        if (!File.Exists(log)) return TrainingStatus.Running;
        string? lastLine = File.ReadLines(log).LastOrDefault(l => l.Length > 0);
        // "yyyy-MM-dd HH:mm:ss <Status>[: message]"
        var words = lastLine?.Split(' ', 3);
        return words is { Length: 3 } && Enum.TryParse<TrainingStatus>(words[2].Split(':')[0], out var status) && Enum.IsDefined(status)
            ? status
            : TrainingStatus.Running;
    }
}
