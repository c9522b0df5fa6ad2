namespace DataPipeline.Engine.Training;

/// <summary>One row of a training history: every metric of one epoch, training and validation.</summary>
public sealed record EpochRecord
{
    public int Epoch { get; init; }
    public double LearningRate { get; init; }
    public double Loss { get; init; }
    public double Mse { get; init; }
    public double Dice { get; init; }
    public double Precision { get; init; }
    public double Recall { get; init; }

    /// <summary>Validation metrics; NaN when the run has no validation split.</summary>
    public double ValLoss { get; init; } = double.NaN;
    public double ValMse { get; init; } = double.NaN;
    public double ValDice { get; init; } = double.NaN;
    public double ValPrecision { get; init; } = double.NaN;
    public double ValRecall { get; init; } = double.NaN;

    /// <summary>
    /// Localisation on the validation split, as the ULM literature scores it: F1 and Jaccard of
    /// detections matched to true positions, and the RMSE (data px) of the matched pairs. NaN on epochs where
    /// it was not computed ([training] localisation_every) or when frames carry no positions.
    /// </summary>
    public double ValF1 { get; init; } = double.NaN;
    public double ValJaccard { get; init; } = double.NaN;
    public double ValRmsePx { get; init; } = double.NaN;

    /// <summary>Wall-clock seconds of the epoch, validation included.</summary>
    public double Seconds { get; init; }

    /// <summary>Seconds the model waited for batches during the epoch.</summary>
    public double DataWaitSeconds { get; init; }

    /// <summary>Training steps skipped because their loss or gradient was not finite.</summary>
    public int SkippedSteps { get; init; }

    /// <summary>
    /// Times this epoch failed (an exception in a step) and was run again from last.ckpt before it
    /// completed (training.retries); the numbers in this row are those of the attempt that completed.
    /// </summary>
    public int Retries { get; init; }
}

/// <summary>
/// A metric recorded per epoch, with its training and (optional) validation columns. The one list
/// that the CSV and JSON writers and the plotter all read, so a new metric shows up everywhere.
/// </summary>
public sealed record HistoryMetric(string Name, Func<EpochRecord, double> Training, Func<EpochRecord, double>? Validation)
{
    /// <summary>A metric measured on the validation split only (val_f1, ...): its one column is a validation curve.</summary>
    public bool ValidationOnly => Name.StartsWith("val_", StringComparison.Ordinal);

    public static readonly IReadOnlyList<HistoryMetric> All =
    [
        new("loss", r => r.Loss, r => r.ValLoss),
        new("mse", r => r.Mse, r => r.ValMse),
        new("dice", r => r.Dice, r => r.ValDice),
        new("precision", r => r.Precision, r => r.ValPrecision),
        new("recall", r => r.Recall, r => r.ValRecall),
        new("val_f1", r => r.ValF1, null),
        new("val_jaccard", r => r.ValJaccard, null),
        new("val_rmse_px", r => r.ValRmsePx, null),
        new("learning_rate", r => r.LearningRate, null),
        new("seconds", r => r.Seconds, null),
        new("data_wait_seconds", r => r.DataWaitSeconds, null),
        new("skipped_steps", r => r.SkippedSteps, null),
        new("retries", r => r.Retries, null),
    ];

    /// <summary>Flat columns in file order: epoch first, then each metric and its val_ twin.</summary>
    public static IReadOnlyList<(string Column, Func<EpochRecord, double> Value)> Columns { get; } =
        All.SelectMany(m => m.Validation is null
                ? new[] { (m.Name, m.Training) }
                : new[] { (m.Name, m.Training), ("val_" + m.Name, m.Validation) })
            .ToList();
}
