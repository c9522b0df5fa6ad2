namespace DataPipeline.Engine.Training;

/// <summary>
/// The history column that decides the best epoch, the plateau schedule and early stopping
/// ([training] monitor), and which way is better. Without a validation split a val_ metric
/// falls back to its training twin, so a run never monitors a column of NaNs.
/// </summary>
public sealed class MonitoredMetric
{
    private readonly HistoryMetric _metric;
    private readonly bool _validation;

    public MonitoredMetric(string name, bool hasValidation)
    {
        _validation = name.StartsWith("val_", StringComparison.Ordinal) && hasValidation;
        string bare = name.StartsWith("val_", StringComparison.Ordinal) ? name[4..] : name;
        _metric = HistoryMetric.All.FirstOrDefault(m => m.Name == bare && m.Validation is not null)
            ?? throw new ArgumentException($"Cannot monitor '{name}': use loss, mse, dice, precision or recall, optionally with val_.");
        HigherIsBetter = bare is "dice" or "precision" or "recall";
    }

    /// <summary>The column actually monitored, e.g. "val_loss".</summary>
    public string Name => (_validation ? "val_" : "") + _metric.Name;

    public bool HigherIsBetter { get; }

    public double ValueOf(EpochRecord record) => _validation ? _metric.Validation!(record) : _metric.Training(record);

    /// <summary>True when <paramref name="value"/> beats <paramref name="best"/> (any finite value beats NaN).</summary>
    public bool IsBetter(double value, double best) =>
        double.IsFinite(value) && (double.IsNaN(best) || (HigherIsBetter ? value > best : value < best));
}
