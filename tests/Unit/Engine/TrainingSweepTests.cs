using DataPipeline.Engine.Configuration;
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
    public void RunsSideBySideShareTheCoresEquallyWhateverTheirThreadKey()
    {
        var sweep = Sweep();
        Assert.Equal(4, sweep.ShareThreads(throttle: 3, cores: 16)); // 0, 0, 3, 3 all become 5
        Assert.Equal(5, sweep.ThreadsPerRun);
        Assert.All(sweep.Points, p => Assert.Equal(5, p.Config.Training.Threads));

        var many = Sweep();
        many.ShareThreads(throttle: 8, cores: 2);
        Assert.All(many.Points, p => Assert.Equal(1, p.Config.Training.Threads)); // never below one thread
    }

    [Fact]
    public void ASequentialSweepKeepsEachPointsThreads()
    {
        var sweep = Sweep();
        Assert.Equal(0, sweep.ShareThreads(throttle: 1, cores: 16));
        Assert.Equal(0, sweep.ThreadsPerRun);
        Assert.Equal([3, 3, 0, 0], sweep.Points.Select(p => p.Config.Training.Threads).Order().Reverse());
        Assert.Throws<ArgumentOutOfRangeException>(() => sweep.ShareThreads(0, 16));
    }
}
