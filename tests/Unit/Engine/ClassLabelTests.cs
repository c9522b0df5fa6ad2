using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Runtime;
using DataPipeline.Engine.Training;
using Xunit;
using static TorchSharp.torch;

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

    [Fact]
    public void ClassWeightedLossMatchesHandValues()
    {
        TorchRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        // Two samples of two pixels: MSE 1 for sample 0 (outputs 0, targets 1), 0.25 for sample 1 (0.5 against 0).
        var output = tensor(new[] { 0f, 0f, 0.5f, 0.5f }, [2, 1, 2]);
        var target = tensor(new[] { 1f, 1f, 0f, 0f }, [2, 1, 2]);
        Assert.Equal((1 * 1.0 + 3 * 0.25) / 4, Loss.Weighted(LossKind.Mse, output, target, true, [1, 3]).item<float>(), 6);
        // BCE of probability 0.5 against 1 is ln 2 (sample 0), of 0.9 against 0 is ln 10 (sample 1); weighted 2 : 1.
        var probabilities = tensor(new[] { 0.5f, 0.5f, 0.9f, 0.9f }, [2, 1, 2]);
        Assert.Equal((2 * Math.Log(2) + Math.Log(10)) / 3, Loss.Weighted(LossKind.Bce, probabilities, target, true, [2, 1]).item<float>(), 5);
        // Dice per sample (UNET.md): 1/3 and 1/4, weighted 3 : 1.
        var p = tensor(new[] { 0.5f, 0.5f, 1f, 0f }, [2, 2]);
        var t = tensor(new[] { 1f, 0f, 1f, 1f }, [2, 2]);
        Assert.Equal((3 * (1.0 / 3) + 0.25) / 4, Loss.Weighted(LossKind.Dice, p, t, true, [3, 1]).item<float>(), 6);
        // Equal weights give the unweighted loss of every kind (libtorch's own reductions), and zero weights nothing.
        var logits = tensor(new[] { -1f, 2f, 0.5f, -0.3f, 1.5f, 0f }, [2, 1, 3]);
        var soft = tensor(new[] { 0f, 1f, 0.5f, 0.2f, 1f, 0f }, [2, 1, 3]);
        foreach (var kind in Enum.GetValues<LossKind>())
            Assert.Equal(Loss.Compute(kind, logits, soft, false).item<float>(), Loss.Weighted(kind, logits, soft, false, [2, 2]).item<float>(), 5);
        Assert.Equal(0f, Loss.Weighted(LossKind.Mse, output, target, true, [0, 0]).item<float>());
    }

    [Fact]
    public void TrainingSamplesTakeTheirClassesWeights()
    {
        var frames = BatchGeneratorTests.Frames(6);
        int[] classes = [0, 1, 1, 0, 2, 2];
        var generator = new BatchGenerator(frames, new BatchSettings { BatchSize = 6, ValidationFraction = 0, Seed = 1 },
            sampling: new BatchSampling(ClassLabels: classes, ClassWeights: [0.5, 2, 4]));
        var batch = generator.GetBatches().First();
        Assert.Equal(batch.Indices.Select(i => new[] { 0.5f, 2, 4 }[classes[i]]), BatchTensors.SampleWeights(generator, batch)!);
        Assert.Null(BatchTensors.SampleWeights(new BatchGenerator(frames, new BatchSettings { BatchSize = 6 }, sampling: new BatchSampling(ClassLabels: classes)), batch));
        Assert.Throws<ArgumentException>(() => new BatchGenerator(frames, new BatchSettings(), sampling: new BatchSampling(ClassWeights: [1, 2])));
        Assert.Throws<ArgumentException>(() => new BatchGenerator(frames, new BatchSettings(), sampling: new BatchSampling(ClassLabels: classes, ClassWeights: [1, 2])));
        Assert.Throws<ArgumentException>(() => new BatchGenerator(frames, new BatchSettings(), sampling: new BatchSampling(ClassLabels: classes, ClassWeights: [1, -2, 1])));
    }
}
