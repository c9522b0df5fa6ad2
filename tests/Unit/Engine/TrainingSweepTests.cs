using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Sweeps;
using DataPipeline.Engine.Training;
using Xunit;

namespace DataPipeline.Tests.Engine;

public sealed class TrainingSweepTests
{
    private static TrainingSweep Sweep() => new(new PipelineConfig(),
    [
        new("training.threads", [0, 3]),
        new("training.learning_rate", [0.01, 0.001]),
    ]);

    [Fact]
    public void RunsSideBySideShareTheCoresEquallyAndNeverGetLessThanOne()
    {
        Assert.Equal(5, SweepRunner.SharedThreads(throttle: 3, cores: 16));
        Assert.Equal(1, SweepRunner.SharedThreads(throttle: 8, cores: 2));
    }

    [Fact]
    public void ASequentialSweepKeepsEachPointsThreads()
    {
        Assert.Equal(0, SweepRunner.SharedThreads(throttle: 1, cores: 16));
        Assert.Equal([3, 3, 0, 0], Sweep().Points.Select(p => p.Config.Training.Threads).Order().Reverse());
        Assert.Throws<ArgumentOutOfRangeException>(() => SweepRunner.SharedThreads(0, 16));
    }
}
