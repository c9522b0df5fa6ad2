using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Models;

namespace DataPipeline.Engine.Training;

public enum TrainingStatus
{
    Running,
    Completed,
    /// <summary>Stopped by the user (Ctrl+C) after a finished step; checkpoints are intact.</summary>
    Stopped,
    /// <summary>Ended by an error, such as a non-finite loss; Message says which.</summary>
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
}
