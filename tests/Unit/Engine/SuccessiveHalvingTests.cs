using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Sweeps;
using DataPipeline.Engine.Training;
using Xunit;

namespace DataPipeline.Tests.Engine;

public sealed class SuccessiveHalvingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("halving-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Four learning rates on small.toml's U-Net, each simulating 32 frames of 16x16, up to 4 epochs.</summary>
    private SweepManifest Manifest(params object[] rates)
    {
        var config = ConfigLoader.LoadFile(SharedPaths.SmallConfig);
        config.Simulation.Count = 32;
        config.Simulation.Size = 16;
        config.Training.Epochs = 4;
        var sweep = new TrainingSweep(config, [new("training.learning_rate", rates)], simulatesFrames: true);
        return SweepManifest.Create(_dir, sweep.Points, frames: null, SweepStrategy.Halving, eta: 2);
    }

    /// <summary>The smallest validation loss in a combination's history, read here rather than through SweepPlan's ranking.</summary>
    private static double BestValLoss(SweepManifest manifest, int index) =>
        SweepRunner.Inspect(manifest, index).Run!.History.Min(r => r.ValLoss);

    [Fact]
    public void EachRungTrainsTheBestOfTheLastToEtaTimesTheEpochs()
    {
        var manifest = Manifest(1e-7, 0.03, 2e-7, 0.01);
        var rungs = new List<(string Name, int[] Indices, int[] Targets)>();
        var log = new List<string>();
        SuccessiveHalving.Run(manifest, (indices, name) =>
        {
            rungs.Add((name, [.. indices], indices.Select(i => SweepRunner.Inspect(manifest, i).TargetEpochs).ToArray()));
            foreach (int i in indices) SweepRunner.Run(manifest, i);
        }, log.Add);

        // 4 combinations, R = 4, eta = 2: 4 to 1 epoch, the best 2 to 2, the best 1 to 4.
        Assert.Equal(["rung1", "rung2", "rung3"], rungs.Select(r => r.Name));
        Assert.Equal([0, 1, 2, 3], rungs[0].Indices);
        Assert.Equal([1, 1, 1, 1], rungs[0].Targets);
        Assert.Equal([2, 2], rungs[1].Targets);
        Assert.Equal([4], rungs[2].Targets);
        Assert.Equal("Halving rung 1 of 3: 4 combination(s) to 1 epoch(s): 1, 2, 3, 4.", log[0]);

        // Rung 2 is the two lowest val_loss after one epoch: the learning rates that train, not the 1e-7 ones.
        var afterOne = rungs[0].Indices.OrderBy(i => SweepRunner.Inspect(manifest, i).Run!.History[0].ValLoss).Take(2).Order();
        Assert.Equal(afterOne, rungs[1].Indices);
        Assert.Equal([1, 3], rungs[1].Indices);
        Assert.Equal([rungs[1].Indices.MinBy(i => SweepRunner.Inspect(manifest, i).Run!.History.Take(2).Min(r => r.ValLoss))], rungs[2].Indices);

        // Promoted combinations resumed to their new target; the others kept their rung's epochs.
        int winner = rungs[2].Indices[0];
        var epochs = Enumerable.Range(0, 4).Select(i => SweepRunner.Inspect(manifest, i).Run!.EpochsCompleted).ToArray();
        Assert.Equal(4, epochs[winner]);
        Assert.Equal(2, epochs[rungs[1].Indices.Single(i => i != winner)]);
        Assert.Equal([1, 1], new[] { epochs[0], epochs[2] });
        Assert.All(Enumerable.Range(0, 4), i => Assert.Equal(SweepState.Completed, SweepRunner.Inspect(manifest, i).State));
        Assert.True(BestValLoss(manifest, winner) <= Enumerable.Range(0, 4).Min(i => BestValLoss(manifest, i)));
    }

    [Fact]
    public void AStoppedSweepStartsNoFurtherRung()
    {
        var manifest = Manifest(1e-3, 2e-3, 3e-3, 4e-3);
        using var stop = new CancellationTokenSource();
        var names = new List<string>();
        SuccessiveHalving.Run(manifest, (_, name) => { names.Add(name); stop.Cancel(); }, stop: stop.Token);

        Assert.Equal(["rung1"], names);
        Assert.All(Enumerable.Range(0, 4), i => Assert.Equal(1, SweepRunner.Inspect(manifest, i).TargetEpochs));
    }
}
