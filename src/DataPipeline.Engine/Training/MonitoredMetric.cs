namespace DataPipeline.Engine.Training;

/// <summary>
/// The history column that decides the best epoch, the plateau schedule and early stopping
/// ([training] monitor), and which way is better. Without a validation split a val_ metric
/// falls back to its training twin, so a run never monitors a column of NaNs. The localisation
/// metrics (val_f1, val_jaccard, val_rmse_px) have no twin: they need a validation split that is
/// scored for localisation, and epochs not scored ([training] localisation_every above 1) never
/// improve them.
/// </summary>
public sealed class MonitoredMetric
{
    /// <summary>The metrics that exist only as localisation scores of the validation split.</summary>
    public static IReadOnlyList<string> LocalisationMetrics { get; } = ["val_f1", "val_jaccard", "val_rmse_px"];

    private readonly HistoryMetric _metric;
    private readonly bool _validation;

    /// <param name="scoresLocalisation">Whether the run scores localisation on its validation split (whole frames with known positions, localisation_every above 0).</param>
    /// <exception cref="ArgumentException">An unknown metric, or a localisation metric the run cannot score.</exception>
    public MonitoredMetric(string name, bool hasValidation, bool scoresLocalisation = true)
    {
        if (LocalisationMetrics.Contains(name))
        {
            if (!hasValidation || !scoresLocalisation)
                throw new ArgumentException(
                    $"Cannot monitor '{name}': it is scored only on a validation split of whole frames with known scatterer positions, " +
                    "every localisation_every epochs. Set [batch] validation_fraction above 0 and [training] localisation_every to 1 or more, " +
                    "train on whole frames (no patch_size) with a label per step (not [simulation] label = \"tracks\"), or monitor val_loss.");
            _metric = HistoryMetric.All.Single(m => m.Name == name);
            HigherIsBetter = name != "val_rmse_px";
            return;
        }
        _validation = name.StartsWith("val_", StringComparison.Ordinal) && hasValidation;
        string bare = name.StartsWith("val_", StringComparison.Ordinal) ? name[4..] : name;
        _metric = HistoryMetric.All.FirstOrDefault(m => m.Name == bare && m.Validation is not null)
            ?? throw new ArgumentException($"Cannot monitor '{name}': use loss, mse, dice, precision or recall, optionally with val_, or val_f1, val_jaccard or val_rmse_px.");
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
