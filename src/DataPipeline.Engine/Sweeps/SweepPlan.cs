using DataPipeline.Engine.Training;

namespace DataPipeline.Engine.Sweeps;

/// <summary>One rung of a plan: the epochs every combination in it is trained to, and how many it holds.</summary>
public sealed record SweepRung(int Epochs, int Combinations);

/// <summary>
/// The arithmetic of the strategies: which grid points a Random sweep draws, the rungs of
/// successive halving (Ray Tune's ASHA, synchronous), and which combinations go on to the next rung.
/// </summary>
public static class SweepPlan
{
    /// <summary><paramref name="trials"/> distinct grid indices, drawn with <paramref name="seed"/>, in grid order.</summary>
    public static IReadOnlyList<int> DrawTrials(int gridSize, int trials, long seed)
    {
        if (trials < 1) throw new ArgumentOutOfRangeException(nameof(trials), trials, "A random sweep needs -Trials of 1 or more.");
        if (trials >= gridSize) return Enumerable.Range(0, gridSize).ToList();
        var random = new Random(unchecked((int)(seed ^ (seed >> 32))));
        return Enumerable.Range(0, gridSize).OrderBy(_ => random.Next()).Take(trials).Order().ToList();
    }

    /// <summary>
    /// Successive halving of <paramref name="combinations"/> up to <paramref name="maxEpochs"/>:
    /// K = min(⌊log_eta n⌋, ⌊log_eta R⌋) promotions; rung k trains ⌊n/eta^k⌋ combinations to
    /// R/eta^(K-k) epochs. 8 combinations, R = 4, eta = 2: 8 to 1 epoch, 4 to 2, 2 to 4 (16 epochs; the grid trains 32).
    /// </summary>
    public static IReadOnlyList<SweepRung> HalvingRungs(int combinations, int maxEpochs, int eta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(eta, 2);
        int promotions = Math.Min(FloorLog(combinations, eta), FloorLog(maxEpochs, eta));
        return Enumerable.Range(0, promotions + 1)
            .Select(k => new SweepRung(Math.Max(1, maxEpochs / Pow(eta, promotions - k)), Math.Max(1, combinations / Pow(eta, k))))
            .ToList();
    }

    /// <summary>
    /// The <paramref name="keep"/> best by their runs' best monitored value (each run says which way
    /// is better); runs without a finite value (failed, never validated) rank last; ties keep grid order.
    /// </summary>
    public static IReadOnlyList<int> Best(IEnumerable<CombinationOutcome> outcomes, int keep) =>
        outcomes.OrderBy(o => Rank(o)).ThenBy(o => o.Combination.Index).Take(keep).Select(o => o.Combination.Index).Order().ToList();

    /// <summary>Smaller is better: the value, negated where higher is better; +∞ when there is none.</summary>
    public static double Rank(CombinationOutcome outcome)
    {
        if (outcome.Run is not { } run || !double.IsFinite(run.BestValue) || run.Monitor.Length == 0) return double.PositiveInfinity;
        bool higher = new MonitoredMetric(run.Monitor, hasValidation: run.Monitor.StartsWith("val_", StringComparison.Ordinal)).HigherIsBetter;
        return higher ? -run.BestValue : run.BestValue;
    }

    private static int FloorLog(int value, int eta)
    {
        int k = 0;
        for (long power = eta; power <= value; power *= eta) k++;
        return k;
    }

    private static int Pow(int eta, int k)
    {
        int result = 1;
        for (int i = 0; i < k; i++) result *= eta;
        return result;
    }
}
