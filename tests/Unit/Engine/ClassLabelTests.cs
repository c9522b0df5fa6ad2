using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Frames;
using Xunit;

namespace DataPipeline.Tests.Engine;

/// <summary>Integer class labels per source carried on batches, and a per-source frame limit.</summary>
public class ClassLabelTests
{
    [Fact]
    public void BatchesCarryEachSamplesClassInBatchOrder()
    {
        var frames = BatchGeneratorTests.Frames(10);
        int[] classes = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
        var generator = new BatchGenerator(frames, new BatchSettings { BatchSize = 4, ValidationFraction = 0.2, Seed = 7 },
            sampling: new BatchSampling(ClassLabels: classes));
        Assert.Equal(3, generator.ClassCount);
        foreach (var split in new[] { BatchSplit.Training, BatchSplit.Validation })
            foreach (var batch in generator.GetBatches(split, epoch: 1))
                Assert.Equal(batch.Indices.Select(i => classes[i]), batch.ClassLabels!);
        Assert.Null(new BatchGenerator(frames, new BatchSettings { BatchSize = 4 }).GetBatches().First().ClassLabels);
        Assert.Equal(0, new BatchGenerator(frames, new BatchSettings { BatchSize = 4 }).ClassCount);
        Assert.Throws<ArgumentException>(() => new BatchGenerator(frames, new BatchSettings(), sampling: new BatchSampling(ClassLabels: [0, 1])));
        Assert.Throws<ArgumentException>(() => new BatchGenerator(frames, new BatchSettings(), sampling: new BatchSampling(ClassLabels: [.. classes[..9], -1])));
    }

    [Fact]
    public void FirstFramesKeepsTheFirstFramesOfASourceAndNoOthers()
    {
        var frames = BatchGeneratorTests.Frames(6);
        var first = new FirstFramesSource(new FrameList(frames), 4);
        Assert.Equal(4, first.Count);
        Assert.Same(frames[3], first.Read(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => first.Read(4));
        Assert.Equal(6, new FirstFramesSource(new FrameList(frames), 100).Count);
        var combined = new CombinedFrameSource([first, new FirstFramesSource(new FrameList(frames), 1)]);
        Assert.Equal(5, combined.Count);
        Assert.Same(frames[0], combined.Read(4));
    }
}
