using DataPipeline.Engine.Configuration;

namespace DataPipeline.Engine.Training;

/// <summary>
/// The learning rate of each epoch: an optional linear warm-up, then constant, step, cosine or
/// reduce-on-plateau. Its only mutable state is <see cref="ScheduleState"/>, which checkpoints
/// carry so a resumed run continues the same schedule.
/// </summary>
public sealed class LearningRateSchedule(TrainingSettings settings)
{
    public ScheduleState State { get; set; } = new(settings.LearningRate, double.NaN, 0);

    /// <summary>The rate for 1-based <paramref name="epoch"/>.</summary>
    public double RateFor(int epoch)
    {
        double lr = settings.LearningRate, floor = settings.MinLearningRate;
        int warmup = settings.LrWarmupEpochs;
        if (epoch <= warmup) return lr * epoch / (warmup + 1.0);
        int e = epoch - 1 - warmup;
        double rate = settings.LrSchedule switch
        {
            ScheduleKind.Step => lr * Math.Pow(settings.LrFactor, e / settings.LrStepEpochs),
            ScheduleKind.Cosine => floor + (lr - floor) * 0.5 * (1 + Math.Cos(Math.PI * e / Math.Max(1, settings.Epochs - warmup))),
            ScheduleKind.Plateau => State.Rate,
            _ => lr,
        };
        return Math.Max(rate, floor);
    }

    /// <summary>Feeds the monitored metric of a finished epoch to the plateau schedule.</summary>
    public void EndEpoch(double monitored, MonitoredMetric metric)
    {
        if (settings.LrSchedule != ScheduleKind.Plateau) return;
        if (metric.IsBetter(monitored, State.Best))
        {
            State = State with { Best = monitored, EpochsWithoutImprovement = 0 };
            return;
        }
        int stale = State.EpochsWithoutImprovement + 1;
        State = stale > settings.LrPatience
            ? State with { Rate = Math.Max(State.Rate * settings.LrFactor, settings.MinLearningRate), EpochsWithoutImprovement = 0 }
            : State with { EpochsWithoutImprovement = stale };
    }
}

/// <summary>The plateau schedule's memory: current rate, best monitored value, epochs since it improved.</summary>
public sealed record ScheduleState(double Rate, double Best, int EpochsWithoutImprovement);
