namespace DataPipeline.Engine.Training;

/// <summary>Best value of the monitored metric so far, and for how many epochs it has not improved.</summary>
internal sealed class ImprovementTracker(int bestEpoch = 0, double bestValue = double.NaN, int epochsWithoutImprovement = 0)
{
    public int BestEpoch { get; private set; } = bestEpoch;
    public double BestValue { get; private set; } = bestValue;
    public int EpochsWithoutImprovement { get; private set; } = epochsWithoutImprovement;

    /// <summary>Records an epoch's value; true when it is a new best.</summary>
    public bool Update(int epoch, double value, MonitoredMetric metric)
    {
        if (metric.IsBetter(value, BestValue))
        {
            (BestEpoch, BestValue, EpochsWithoutImprovement) = (epoch, value, 0);
            return true;
        }
        EpochsWithoutImprovement++;
        return false;
    }
}
