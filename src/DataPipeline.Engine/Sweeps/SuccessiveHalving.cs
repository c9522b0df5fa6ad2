using DataPipeline.Engine.Configuration;

namespace DataPipeline.Engine.Sweeps;

/// <summary>
/// Runs a Halving sweep rung by rung (synchronous successive halving, <see cref="SweepPlan.HalvingRungs"/>):
/// every combination trains to the first rung's epochs, then only the best of each rung have their
/// target raised and train on, resuming from their checkpoints. The training itself is the caller's
/// (here, on Slurm or over SSH), so one loop serves every backend; a rung starts once the last has ended.
/// </summary>
public static class SuccessiveHalving
{
    /// <param name="train">Trains the given combinations to their targets and returns when they are done; the name ("rung2") labels the job.</param>
    /// <param name="log">Receives one line per rung: which combinations train, to how many epochs.</param>
    /// <param name="stop">Checked between rungs: a stopped sweep starts no further rung.</param>
    public static void Run(SweepManifest manifest, Action<IReadOnlyList<int>, string> train, Action<string>? log = null,
        CancellationToken stop = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(train);
        // Every combination shares training.epochs (Halving refuses to sweep it): the last rung's epochs.
        int maxEpochs = ConfigLoader.LoadFile(manifest.Combinations[0].ConfigPath).Training.Epochs;
        var rungs = SweepPlan.HalvingRungs(manifest.Combinations.Count, maxEpochs, manifest.Eta);
        IReadOnlyList<int> current = manifest.Combinations.Select(c => c.Index).ToArray();
        for (int k = 0; k < rungs.Count && !stop.IsCancellationRequested; k++)
        {
            if (k > 0)
                current = SweepPlan.Best(current.Select(i => SweepRunner.Inspect(manifest, i)), rungs[k].Combinations);
            foreach (int i in current) SweepRunner.SetTarget(manifest, i, rungs[k].Epochs);
            log?.Invoke($"Halving rung {k + 1} of {rungs.Count}: {current.Count} combination(s) to {rungs[k].Epochs} epoch(s): {string.Join(", ", current.Select(i => i + 1))}.");
            train(current, $"rung{k + 1}");
        }
    }
}
