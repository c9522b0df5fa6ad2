using System.Globalization;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Models;
using DataPipeline.Engine.Training.Optimizers;

namespace DataPipeline.Engine.Training;

/// <summary>
/// Applies a run's [schedules]: before every training step it sets the optimizer's learning rate,
/// momentum and weight decay and the network's dropout probability to their scheduled values. The
/// count it reads comes from the epoch and step alone, so a resumed or retried epoch gets the same
/// values as the first attempt without any state in the checkpoint.
/// </summary>
internal sealed class HyperParameterSchedule
{
    private sealed record Entry(string Key, HyperSchedule Schedule, double Start, Action<double> Set);

    private readonly IReadOnlyList<Entry> _entries;

    private HyperParameterSchedule(IReadOnlyList<Entry> entries) => _entries = entries;

    /// <summary>The values set by the last <see cref="Apply"/>, by key, for the run log.</summary>
    public IReadOnlyDictionary<string, double> Current { get; private set; } = new Dictionary<string, double>();

    /// <summary>Null when no schedule is configured; a <see cref="ConfigException"/> for one the run cannot follow.</summary>
    public static HyperParameterSchedule? Create(PipelineConfig config, Optimizer optimizer, UNet model)
    {
        var s = config.Schedules;
        string? source = config.SourcePath;
        var entries = new List<Entry>();
        ConfigException Error(string key, string message) => new(message, source, key: "schedules." + key);

        if (s.LearningRate is { } lr)
        {
            if (config.Training.LrSchedule != ScheduleKind.None || config.Training.LrWarmupEpochs > 0)
                throw Error("learning_rate",
                    "'schedules.learning_rate' and 'training.lr_schedule' (or 'training.lr_warmup_epochs') both schedule the learning rate; " +
                    "keep one: set lr_schedule = \"none\" and lr_warmup_epochs = 0, or remove schedules.learning_rate");
            entries.Add(new Entry("learning_rate", lr, config.Training.LearningRate, optimizer.SetLearningRate));
        }
        if (s.Momentum is { } momentum)
        {
            if (!optimizer.HasMomentum)
                throw Error("momentum", $"'schedules.momentum' needs an optimizer with a momentum; {optimizer.Name} has none (use sgd, rmsprop, adam or adamw)");
            CheckBelowOne("momentum", momentum, optimizer.Momentum, Error);
            entries.Add(new Entry("momentum", momentum, optimizer.Momentum, optimizer.SetMomentum));
        }
        if (s.WeightDecay is { } decay)
            entries.Add(new Entry("weight_decay", decay, optimizer.WeightDecay, optimizer.SetWeightDecay));
        if (s.Dropout is { } dropout)
        {
            var layers = model.modules().OfType<Models.PackedDropout>().ToList();
            if (layers.Count == 0)
                throw Error("dropout", "'schedules.dropout' needs dropout layers, but 'model.dropout' = 0 builds none; set model.dropout above 0 (the schedule's start value)");
            CheckBelowOne("dropout", dropout, config.Model.Dropout, Error);
            entries.Add(new Entry("dropout", dropout, config.Model.Dropout, p => layers.ForEach(l => l.p = p)));
        }
        return entries.Count == 0 ? null : new HyperParameterSchedule(entries);
    }

    /// <summary>Momentum, β1 and dropout probabilities live in [0, 1): a schedule must never leave it.</summary>
    private static void CheckBelowOne(string key, HyperSchedule schedule, double start, Func<string, string, ConfigException> error)
    {
        if (schedule.Form == ScheduleForm.Decay && schedule.Factor > 1)
            throw error(key, $"'schedules.{key}' decays by factor {schedule.Factor}, above 1, so it would pass 1; use a factor in (0, 1]");
        if (schedule.Extremes(start).FirstOrDefault(v => v >= 1) is var bad && bad >= 1)
            throw error(key, $"'schedules.{key}' reaches {bad.ToString(CultureInfo.InvariantCulture)}; {key} values are in [0, 1)");
    }

    /// <summary>Sets every scheduled value for 1-based <paramref name="step"/> of 1-based <paramref name="epoch"/>.</summary>
    public void Apply(int epoch, int step, int batchesPerEpoch)
    {
        var current = new Dictionary<string, double>();
        foreach (var e in _entries)
        {
            long n = e.Schedule.Per == ScheduleUnit.Epoch ? epoch - 1 : (long)(epoch - 1) * batchesPerEpoch + (step - 1);
            double value = e.Schedule.ValueAt(e.Start, n);
            e.Set(value);
            current[e.Key] = value;
        }
        Current = current;
    }

    /// <summary>"momentum 0.95, dropout 0.2": the values in force, for the run log.</summary>
    public string Describe() =>
        string.Join(", ", Current.Select(p => $"{p.Key} {p.Value.ToString("G6", CultureInfo.InvariantCulture)}"));
}
