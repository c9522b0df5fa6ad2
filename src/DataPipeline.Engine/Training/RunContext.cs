using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Models;
using DataPipeline.Engine.Training.Optimizers;
using static TorchSharp.torch;

namespace DataPipeline.Engine.Training;

/// <summary>What the epochs of one run share.</summary>
internal sealed record RunContext(
    UNet Model, Optimizer Optimizer, Device Device, RunRandom Random, LossScaler? Scaler, MonitoredMetric Monitor, LearningRateSchedule Schedule,
    ImprovementTracker Tracker, int SizeRatio, BatchGenerator Generator, TrainingRun Run, RunLog Log, StepPosition Position,
    Action<TrainingProgress>? Progress, CancellationToken Cancellation)
{
    public ImprovementTracker Tracker { get; set; } = Tracker;

    /// <summary>The [schedules] of the run, applied before every training step; null without any.</summary>
    public HyperParameterSchedule? Hyper { get; init; }
}

/// <summary>Where the run is, so that a failure can say at which epoch and step it happened.</summary>
internal sealed class StepPosition
{
    public int Epoch { get; private set; }
    public int Step { get; private set; }
    public string Phase { get; private set; } = "training";

    public void At(int epoch, int step, string phase) => (Epoch, Step, Phase) = (epoch, step, phase);
}
