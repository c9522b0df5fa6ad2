using System.Collections;
using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Simulation;
using Xunit;

namespace DataPipeline.Tests.Engine;

public class BatchGeneratorTests
{
    internal static List<Frame> Frames(int count, int size = 16) =>
        new ScattererSimulator(new SimulationSettings { Size = size, SizeRatio = 2, Seed = 3 }).Generate(0, count).ToList();

    private static BatchGenerator Generator(int frames, Action<BatchSettings>? change = null)
    {
        var settings = new BatchSettings { BatchSize = 8, ValidationFraction = 0.25, Seed = 5 };
        change?.Invoke(settings);
        return new BatchGenerator(Frames(frames), settings);
    }

    [Fact]
    public void EveryEpochVisitsEveryTrainingFrameExactlyOnce()
    {
        var generator = Generator(50);
        Assert.Equal(37, generator.TrainingCount); // 50 - round(12.5)
        Assert.Equal(5, generator.TrainingBatchesPerEpoch); // 8+8+8+8+5
        for (int epoch = 0; epoch < 3; epoch++)
        {
            var seen = generator.GetBatches(BatchSplit.Training, epoch).SelectMany(b => b.Indices).ToList();
            Assert.Equal(generator.EpochOrder(BatchSplit.Training, epoch).Order(), seen.Order());
            Assert.Equal(seen.Count, seen.Distinct().Count());
            Assert.Equal(37, seen.Count);
        }
    }

    [Fact]
    public void SplitIsDisjointCompleteAndFixedBySeed()
    {
        var generator = Generator(50);
        var training = generator.EpochOrder(BatchSplit.Training, 0);
        var validation = generator.EpochOrder(BatchSplit.Validation, 0);
        Assert.Equal(13, validation.Length); // round(50 * 0.25)
        Assert.Empty(training.Intersect(validation));
        Assert.Equal(Enumerable.Range(0, 50), training.Concat(validation).Order());
        Assert.Equal(validation, Generator(50).EpochOrder(BatchSplit.Validation, 0));
        Assert.NotEqual(validation, Generator(50, s => s.Seed = 6).EpochOrder(BatchSplit.Validation, 0));
    }

    [Fact]
    public void ShuffleReordersEachEpochReproduciblyAndNoShuffleKeepsOrder()
    {
        var generator = Generator(50);
        var first = generator.GetBatches(BatchSplit.Training, 0).SelectMany(b => b.Indices).ToArray();
        var second = generator.GetBatches(BatchSplit.Training, 1).SelectMany(b => b.Indices).ToArray();
        Assert.NotEqual(first, second);
        Assert.Equal(first, Generator(50).GetBatches(BatchSplit.Training, 0).SelectMany(b => b.Indices));

        var ordered = Generator(50, s => s.Shuffle = false);
        var a = ordered.GetBatches(BatchSplit.Training, 0).SelectMany(b => b.Indices).ToArray();
        Assert.Equal(a.Order(), a);
        Assert.Equal(a, ordered.GetBatches(BatchSplit.Training, 7).SelectMany(b => b.Indices));
    }

    [Fact]
    public void BatchesHoldTheFramesInIndexOrderWithChannelAxis()
    {
        var frames = Frames(10);
        var generator = new BatchGenerator(frames, new BatchSettings { BatchSize = 4, ValidationFraction = 0 });
        var batch = generator.GetBatches().First();
        Assert.Equal([4, 1, 16, 16], batch.Shape);
        Assert.Equal([4, 1, 32, 32], batch.LabelShape);
        for (int i = 0; i < 4; i++)
        {
            var frame = frames[batch.Indices[i]];
            Assert.Equal(frame.Data, batch.Data.AsSpan(i * 256, 256).ToArray());
            Assert.Equal(frame.Label, batch.Label.AsSpan(i * 1024, 1024).ToArray());
        }
    }

    [Fact]
    public void DropLastDropsOnlyTheShortBatch()
    {
        var generator = Generator(50, s => s.DropLast = true);
        Assert.Equal(4, generator.TrainingBatchesPerEpoch);
        Assert.All(generator.GetBatches(), b => Assert.Equal(8, b.Count));
        Assert.Equal(2, generator.ValidationBatchesPerEpoch); // validation keeps every frame: 8 + 5
    }

    [Fact]
    public void MixedShapesAndUnlabelledFramesAreRejected()
    {
        var mixed = Frames(3).Concat(Frames(1, size: 32)).ToList();
        var e = Assert.Throws<ArgumentException>(() => new BatchGenerator(mixed, new BatchSettings()));
        Assert.Contains("Frame 3", e.Message);
        var unlabelled = new List<Frame> { new(new float[4], [2, 2], null, null, "x", 0) };
        Assert.Contains("no label", Assert.Throws<ArgumentException>(() => new BatchGenerator(unlabelled, new BatchSettings())).Message);
    }

    [Fact]
    public void GeneratorIsNotEnumerableSoPowerShellKeepsItWhole()
    {
        Assert.False(typeof(IEnumerable).IsAssignableFrom(typeof(BatchGenerator)));
    }

    [Fact]
    public void PrefetcherYieldsEveryBatchInOrder()
    {
        var direct = Generator(50).GetBatches().ToList();
        var prefetched = new BatchPrefetcher().Prefetch(direct.Count, b => direct[b], depth: 3, workers: 1).ToList();
        Assert.Equal(direct, prefetched);
    }

    private static readonly AugmentSettings AllOn = new()
    {
        SnrDb = 15, Flip = true, Rot90 = true, RotationDeg = 20, ShiftPx = 1.5, IntensityScale = new(0.8, 1.2),
    };

    [Fact]
    public void WorkersBuildTheSameAugmentedBatchesWhateverTheirNumber()
    {
        var frames = Frames(50);
        BatchGenerator Make(int workers, int prefetch) => new(frames,
            new BatchSettings { BatchSize = 8, ValidationFraction = 0.25, Seed = 5, Workers = workers, Prefetch = prefetch }, AllOn);
        var reference = Make(1, 0).GetBatches(BatchSplit.Training, 2).ToList();
        Assert.NotEqual(frames[reference[0].Indices[0]].Data, reference[0].Data.AsSpan(0, 256).ToArray());
        foreach (var (workers, prefetch) in new[] { (1, 2), (3, 1), (4, 0) })
        {
            var streamed = Make(workers, prefetch).Stream(new BatchPrefetcher(), BatchSplit.Training, 2).ToList();
            Assert.Equal(reference.Count, streamed.Count);
            for (int b = 0; b < reference.Count; b++)
            {
                Assert.Equal(reference[b].Indices, streamed[b].Indices);
                Assert.Equal(reference[b].Data, streamed[b].Data);
                Assert.Equal(reference[b].Label, streamed[b].Label);
            }
        }
        // Another epoch draws other augmentations even for the same frame.
        var other = Make(1, 0).GetBatches(BatchSplit.Training, 3).First();
        Assert.NotEqual(reference[0].Data, other.Data);
    }

    [Fact]
    public void ValidationBatchesAreNotAugmented()
    {
        var frames = Frames(20);
        var generator = new BatchGenerator(frames, new BatchSettings { BatchSize = 4, ValidationFraction = 0.25, Workers = 2 }, AllOn);
        foreach (var batch in generator.Stream(new BatchPrefetcher(), BatchSplit.Validation))
            for (int i = 0; i < batch.Count; i++)
            {
                Assert.Equal(frames[batch.Indices[i]].Data, batch.Data.AsSpan(i * 256, 256).ToArray());
                Assert.Equal(frames[batch.Indices[i]].Label, batch.Label.AsSpan(i * 1024, 1024).ToArray());
            }
    }

    [Fact]
    public void AugmentedBatchesCarryPositionsMovedWithTheirSamples()
    {
        var frames = Frames(12);
        var generator = new BatchGenerator(frames, new BatchSettings { BatchSize = 4, ValidationFraction = 0, Seed = 2 },
            new AugmentSettings { Flip = true, Rot90 = true });
        var batch = generator.GetBatches().First();
        var random = new DataPipeline.Engine.Runtime.SeededRandom(2, BatchAssembler.AugmentStream(0, 0));
        for (int i = 0; i < batch.Count; i++)
        {
            var draw = generator.Augmenter.Draw(random);
            var expected = generator.Augmenter.Apply(frames[batch.Indices[i]], draw, random);
            Assert.Equal(expected.Data, batch.Data.AsSpan(i * 256, 256).ToArray());
            Assert.Equal(expected.Positions, batch.Positions[i]);
        }
    }

    [Fact]
    public void WorkerPoolSurfacesAWorkerExceptionInTheConsumer()
    {
        var generator = Generator(50);
        var ok = generator.GetBatches().First();
        Batch Build(int number) => number == 3 ? throw new InvalidDataException("batch 3 is corrupt") : ok;
        var seen = new List<Batch>();
        var e = Assert.Throws<InvalidDataException>(() =>
        {
            foreach (var batch in new BatchPrefetcher().Prefetch(10, Build, depth: 2, workers: 3)) seen.Add(batch);
        });
        Assert.Equal("batch 3 is corrupt", e.Message);
        Assert.Equal(3, seen.Count);
    }

    [Fact]
    public void LeavingAWorkerPoolEarlyStopsItsWorkers()
    {
        int built = 0;
        Batch Build(int number)
        {
            Interlocked.Increment(ref built);
            return Generator(10).GetBatches().First();
        }
        Assert.Single(new BatchPrefetcher().Prefetch(1000, Build, depth: 2, workers: 3).Take(1));
        Assert.InRange(Volatile.Read(ref built), 1, 6); // 1 consumed + at most depth + workers ahead
    }
}
