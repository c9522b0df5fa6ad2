using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Models;

namespace DataPipeline.Engine.Training;

public enum TrainingStatus
{
    Running,
    Completed,
    /// <summary>Stopped by the user (Ctrl+C) after a finished step; checkpoints are intact.</summary>
    Stopped,
    /// <summary>
    /// Ended by an error (a non-finite loss, a native libtorch error, a full disk, ...); Message,
    /// Error, FailedEpoch and FailedStep say which and where. History and checkpoints are intact.
    /// </summary>
    Failed,
    /// <summary>Early stopping ended the run: the monitored metric stopped improving.</summary>
    EarlyStopped,
}

/// <summary>What one call of Invoke-UNetTraining did: its configuration, history and files.</summary>
public sealed class TrainingRun
{
    internal TrainingRun(string runId, PipelineConfig config, string outputDirectory)
    {
        RunId = runId;
        Config = config;
        OutputDirectory = outputDirectory;
    }

    /// <summary>Unique per run (start time and a random suffix); names the run's files.</summary>
    public string RunId { get; }
    public TrainingStatus Status { get; internal set; } = TrainingStatus.Running;

    /// <summary>Why the run stopped or failed; empty when it completed.</summary>
    public string Message { get; internal set; } = "";

    /// <summary>The exception that ended a Failed run; null otherwise, and for a run read back from disk.</summary>
    public Exception? Error { get; internal set; }

    /// <summary>The epoch (from 1) during which a Failed run failed; 0 otherwise.</summary>
    public int FailedEpoch { get; internal set; }

    /// <summary>The training or validation step (from 1) of <see cref="FailedEpoch"/> that failed; 0 when it failed between steps.</summary>
    public int FailedStep { get; internal set; }

    /// <summary>Failed epochs that were retried from last.ckpt (training.retries, -RetryFailedEpoch).</summary>
    public int Retries => _history.Sum(r => r.Retries);

    /// <summary>The configuration the run trained with; [batch] and [augment] are the generator's own.</summary>
    public PipelineConfig Config { get; }
    public int EpochsPlanned { get; internal set; }
    public int EpochsCompleted => History.Count;
    public IReadOnlyList<EpochRecord> History => _history;
    private readonly List<EpochRecord> _history = [];

    /// <summary>The history column that picks the best epoch ([training] monitor).</summary>
    public string Monitor { get; internal set; } = "";

    /// <summary>Epoch with the best value of <see cref="Monitor"/>; 0 before any.</summary>
    public int BestEpoch { get; internal set; }
    public double BestValue { get; internal set; } = double.NaN;
    public string? BestCheckpoint { get; internal set; }
    public string? LastCheckpoint { get; internal set; }

    /// <summary>Folder holding this run's checkpoints: OutputDirectory/RunId.</summary>
    public string OutputDirectory { get; }
    public string Device { get; internal set; } = "";
    public int Threads { get; internal set; }
    public long TrainableParameters { get; internal set; }
    public long TotalParameters { get; internal set; }

    /// <summary>The U-Net's layer table (leaf modules and their parameter counts), for reports.</summary>
    public IReadOnlyList<UNetLayer> Layers { get; internal set; } = [];
    public int[] InputShape { get; internal set; } = [];
    public int[] OutputShape { get; internal set; } = [];
    public int TrainingFrames { get; internal set; }
    public int ValidationFrames { get; internal set; }
    public DateTimeOffset StartTime { get; internal set; }
    public TimeSpan Duration { get; internal set; }

    /// <summary>Loss of the last epoch (training), for the table view.</summary>
    public double FinalLoss => _history.Count == 0 ? double.NaN : _history[^1].Loss;
    public double FinalValLoss => _history.Count == 0 ? double.NaN : _history[^1].ValLoss;

    /// <summary>run.log in the run's folder.</summary>
    public string? LogPath { get; internal set; }

    internal void Add(EpochRecord record) => _history.Add(record);

    /// <summary>Back to the history a checkpoint holds, when a failed epoch is retried from it.</summary>
    internal void RewindTo(IReadOnlyList<EpochRecord> history)
    {
        _history.Clear();
        _history.AddRange(history);
    }
}
