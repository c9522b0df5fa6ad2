using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Sweeps;
using DataPipeline.Engine.Training;
using Xunit;

namespace DataPipeline.Tests.Engine;

public sealed class SweepManifestTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sweep-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static TrainingSweep Sweep(params object[] filters) => new(new PipelineConfig(),
    [
        new("model.filters", filters),
        new("training.learning_rate", [0.01, 0.001]),
        new("training.loss", ["bce"]),
        new("model.batch_norm", [true]),
    ], simulatesFrames: true);

    [Fact]
    public void ValuesAndConfigsComeBackFromDisk()
    {
        var sweep = Sweep(4, 6);
        SweepManifest.Create(_dir, sweep.Points, frames: null, SweepStrategy.Grid, eta: 2);
        var loaded = SweepManifest.Load(_dir);

        Assert.True(loaded.SimulatesFrames);
        Assert.Equal(4, loaded.Combinations.Count);
        // Keys sorted, values in the order given: filters 6 with learning rate 0.001 is the last.
        var last = loaded.Combinations[3];
        Assert.Equal(6, Assert.IsType<int>(last.Parameters["model.filters"]));
        Assert.Equal(0.001, Assert.IsType<double>(last.Parameters["training.learning_rate"]));
        Assert.Equal("bce", last.Parameters["training.loss"]);
        Assert.True(Assert.IsType<bool>(last.Parameters["model.batch_norm"]));
        Assert.Equal("model.batch_norm=true, model.filters=6, training.learning_rate=0.001, training.loss=\"bce\"", SweepManifest.Describe(last.Parameters));

        // Each combination's config.toml is the base with its values applied, read by the same loader as any file.
        var config = ConfigLoader.LoadFile(last.ConfigPath);
        Assert.Equal(6, config.Model.Filters);
        Assert.Equal(0.001, config.Training.LearningRate);
        Assert.True(File.Exists(loaded.RunnerPath));
    }

    [Fact]
    public void TheSameSweepAgainReusesTheFolderAndAnotherIsRefused()
    {
        SweepManifest.Create(_dir, Sweep(4, 6).Points, null, SweepStrategy.Grid, 2);
        var again = SweepManifest.Create(_dir, Sweep(4, 6).Points, null, SweepStrategy.Grid, 2);
        Assert.Equal(4, again.Combinations.Count);
        var e = Assert.Throws<SweepFolderException>(() => SweepManifest.Create(_dir, Sweep(4, 8).Points, null, SweepStrategy.Grid, 2));
        Assert.Equal(_dir, e.Folder);
        Assert.Throws<SweepFolderException>(() => SweepManifest.Create(_dir, Sweep(4, 6).Points, null, SweepStrategy.Halving, 2));
    }

    [Fact]
    public void ANewCombinationIsPendingAtItsConfiguredEpochs()
    {
        var manifest = SweepManifest.Create(_dir, Sweep(4).Points, null, SweepStrategy.Grid, 2);
        var outcome = SweepRunner.Inspect(manifest, 1);
        Assert.Equal(SweepState.Pending, outcome.State);
        Assert.Null(outcome.Run);
        Assert.Equal(new PipelineConfig().Training.Epochs, outcome.TargetEpochs);
        SweepRunner.SetTarget(manifest, 1, 3);
        Assert.Equal(3, SweepRunner.Inspect(manifest, 1).TargetEpochs);
        Assert.True(SweepRunner.NeedsTraining(manifest, 1));
    }

    [Fact]
    public void AProcessThatSaysItRunsButIsGoneIsTold()
    {
        var alive = new CombinationState { Running = true, Host = Environment.MachineName, Pid = Environment.ProcessId };
        Assert.False(alive.ProcessGone());
        // PIDs above the kernel's pid_max (4194304) never exist.
        Assert.True((alive with { Pid = 4_194_305 }).ProcessGone());
        // Another host's process cannot be checked from here: taken as alive.
        Assert.False((alive with { Host = "elsewhere", Pid = 4_194_305 }).ProcessGone());
    }
}
