using System.Globalization;
using System.Text;
using DataPipeline.Engine.Configuration;

namespace DataPipeline.Engine.Training;

/// <summary>The forms of elektronn2's schedules.</summary>
public enum ScheduleForm
{
    /// <summary>Exponential decay: start · factor^⌊n / every⌋.</summary>
    [ConfigName("dec")] Decay,
    /// <summary>Linear change from the start to a target over a number of steps, then the target.</summary>
    [ConfigName("lindec")] LinearDecay,
    /// <summary>Explicit {step: value} pairs; each value holds from its step on.</summary>
    [ConfigName("list")] List,
}

/// <summary>What a schedule counts: optimizer steps (training batches) or epochs.</summary>
public enum ScheduleUnit
{
    [ConfigName("iteration")] Iteration,
    [ConfigName("epoch")] Epoch,
}

/// <summary>
/// One [schedules] entry: how a hyper-parameter changes from its configured start value over
/// iterations or epochs. n, the count a schedule reads, is the number of iterations (or epochs)
/// completed before the current one, so the first training step of a run has n = 0 and uses the
/// start value (for a list, unless it names step 0).
/// </summary>
public sealed record HyperSchedule(ScheduleForm Form, ScheduleUnit Per)
{
    /// <summary>dec: the factor applied every <see cref="Every"/> steps.</summary>
    public double Factor { get; init; } = 1;

    /// <summary>dec: steps between two applications of the factor.</summary>
    public long Every { get; init; } = 1;

    /// <summary>lindec: the value reached after <see cref="Steps"/> steps and kept from then on.</summary>
    public double Target { get; init; }

    /// <summary>lindec: the steps it takes to reach the target.</summary>
    public long Steps { get; init; } = 1;

    /// <summary>list: (step, value) pairs in increasing step order.</summary>
    public IReadOnlyList<KeyValuePair<long, double>> Values { get; init; } = [];

    /// <summary>The value after <paramref name="n"/> completed iterations or epochs, starting from <paramref name="start"/>.</summary>
    public double ValueAt(double start, long n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        switch (Form)
        {
            case ScheduleForm.Decay:
                return start * Math.Pow(Factor, n / Every);
            case ScheduleForm.LinearDecay:
                return n >= Steps ? Target : start + (Target - start) * n / Steps;
            default:
                double value = start;
                foreach (var (step, v) in Values)
                {
                    if (step > n) break;
                    value = v;
                }
                return value;
        }
    }

    /// <summary>Every value the schedule can take other than its start, for range checks.</summary>
    public IEnumerable<double> Extremes(double start) => Form switch
    {
        ScheduleForm.LinearDecay => [Target],
        ScheduleForm.List => Values.Select(p => p.Value),
        _ => [start],
    };

    /// <summary>The inline table a configuration file takes back (New-TrainingConfig, clones, manifests).</summary>
    public string ToToml()
    {
        var text = new StringBuilder("{ kind = \"").Append(ConfigEnum.NameOf(Form)).Append('"');
        switch (Form)
        {
            case ScheduleForm.Decay:
                text.Append(", factor = ").Append(ConfigTemplate.Format(Factor)).Append(", every = ").Append(Every);
                break;
            case ScheduleForm.LinearDecay:
                text.Append(", target = ").Append(ConfigTemplate.Format(Target)).Append(", steps = ").Append(Steps);
                break;
            default:
                text.Append(", values = { ")
                    .Append(string.Join(", ", Values.Select(p => $"{p.Key.ToString(CultureInfo.InvariantCulture)} = {ConfigTemplate.Format(p.Value)}")))
                    .Append(" }");
                break;
        }
        return text.Append(", per = \"").Append(ConfigEnum.NameOf(Per)).Append("\" }").ToString();
    }
}
