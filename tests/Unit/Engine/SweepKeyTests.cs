using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Training;
using Xunit;

namespace DataPipeline.Tests.Engine;

/// <summary>Sweep keys that cannot change a run are refused; simulation keys apply when the sweep simulates its frames.</summary>
public sealed class SweepKeyTests
{
    private static TrainingSweep Sweep(string key, bool simulates, params object[] values) =>
        new(new PipelineConfig(), [new(key, values)], simulates);

    [Theory]
    [InlineData("simulation.noise_std", false)]
    [InlineData("data.normalize", false)]
    [InlineData("data.normalize", true)]
    [InlineData("bench.height", true)]
    public void AKeyThatCannotChangeTheRunsIsRefusedByName(string key, bool simulates)
    {
        var error = Assert.Throws<SweepKeyException>(() => Sweep(key, simulates, key == "data.normalize" ? "max" : 1));
        Assert.Equal(key, error.Key);
        Assert.Contains(key, error.Message);
    }

    [Fact]
    public void TheRefusalOfASimulationKeySaysToPipeNothing()
    {
        var error = Assert.Throws<SweepKeyException>(() => Sweep("simulation.noise_std", false, 0.01, 0.5));
        Assert.Contains("pipe nothing", error.Message);
    }

    [Fact]
    public void SimulationKeysChangeTheFramesEachCombinationSimulates()
    {
        var sweep = new TrainingSweep(new PipelineConfig(),
            [new("simulation.noise_std", [0.0, 0.5]), new("simulation.count", [3]), new("simulation.size", [16])], simulatesFrames: true);
        Assert.True(sweep.SimulatesFrames);
        var quiet = TrainingSweep.Simulate(sweep.Points[0].Config);
        var noisy = TrainingSweep.Simulate(sweep.Points[1].Config);
        Assert.Equal((3, 3), (quiet.Count, noisy.Count));
        Assert.Equal([16, 16], quiet[0].Shape);
        // Same seed, so the same scatterers: the difference is the noise alone.
        Assert.Equal(quiet[0].Label, noisy[0].Label);
        double rms = Math.Sqrt(quiet[0].Data.Zip(noisy[0].Data, (a, b) => (double)(a - b) * (a - b)).Average());
        Assert.InRange(rms, 0.4, 0.6);
    }

    [Fact]
    public void KeysOfTheTrainingSectionsStillApplyToPipedFrames() =>
        Assert.Equal(2, Sweep("training.learning_rate", false, 0.01, 0.001).Points.Count);
}
