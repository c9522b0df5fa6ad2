using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Runtime;
using Xunit;

namespace DataPipeline.Tests.Engine;

/// <summary>Batch generators over frame stores (streamed), over several sources, and with recycled buffers.</summary>
public sealed class StreamedBatchTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("streamed-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>
    /// Frames of 64x64 data and 128x128 labels, whose 64 KiB labels make the store writer choose
    /// chunks of 16 frames, with values that identify the frame.
    /// </summary>
    internal static List<Frame> BigFrames(int count, string source = "made")
    {
        var random = new SeededRandom(11);
        var frames = new List<Frame>(count);
        for (int n = 0; n < count; n++)
        {
            var data = new float[64 * 64];
            var label = new float[128 * 128];
            for (int i = 0; i < data.Length; i++) data[i] = (float)random.NextDouble();
            for (int i = 0; i < label.Length; i++) label[i] = (float)random.NextDouble();
            data[0] = n;
            var positions = new List<ScattererPosition> { new(0, 0, n % 64, 3, true) };
            frames.Add(new Frame(data, [64, 64], label, [128, 128], source, n, positions));
        }
        return frames;
    }

    private string Store(IEnumerable<Frame> frames, string name = "store.h5")
    {
        string path = Path.Combine(_dir, name);
        using var writer = FrameStoreWriter.Create(path);
        foreach (var frame in frames) writer.Add(frame);
        writer.Commit();
        return path;
    }

    private static BatchSettings Settings(int workers = 1, int window = 2) =>
        new() { BatchSize = 8, ValidationFraction = 0.2, Seed = 9, Workers = workers, Prefetch = 1, ShuffleWindow = window };

    [Fact]
    public void StoreEpochsCoverEveryTrainingFrameOnceReadingEachChunkOnce()
    {
        var frames = BigFrames(200);
        string path = Store(frames);
        var settings = Settings();
        using var store = StreamedFrameStore.Open(path, BatchGenerator.CacheBlocksFor(settings));
        Assert.Equal(16, store.ChunkFrames);
        using var generator = new BatchGenerator(store, settings);
        // The split depends only on the count and the seed, as for frames in memory.
        var inMemory = new BatchGenerator(frames, settings);
        Assert.Equal(inMemory.EpochOrder(BatchSplit.Validation, 0), generator.EpochOrder(BatchSplit.Validation, 0));
        Assert.Equal(160, generator.TrainingCount);

        var orders = new List<int[]>();
        for (int epoch = 0; epoch < 3; epoch++)
        {
            long readBefore = store.BlocksRead;
            var batches = generator.GetBatches(BatchSplit.Training, epoch).ToList();
            var seen = batches.SelectMany(b => b.Indices).ToArray();
            Assert.Equal(generator.EpochOrder(BatchSplit.Training, 0).Order(), seen.Order());
            Assert.Equal(160, seen.Distinct().Count());
            orders.Add(seen);
            // Each window of 2 chunks is visited whole before the next, so each of the 13 chunks is
            // read at most once an epoch (fewer when the last epoch's final window is still cached).
            long read = store.BlocksRead - readBefore;
            if (epoch == 0) Assert.Equal(13, read);
            else Assert.InRange(read, 13 - store.CacheBlocks, 13);
            foreach (var batch in batches.Take(3))
                for (int i = 0; i < batch.Count; i++)
                {
                    var frame = frames[batch.Indices[i]];
                    Assert.Equal(frame.Data, batch.Data.AsSpan(i * 4096, 4096).ToArray());
                    Assert.Equal(frame.Label, batch.Label.AsSpan(i * 16384, 16384).ToArray());
                    Assert.Equal(frame.Positions, batch.Positions[i]);
                }
        }
        Assert.NotEqual(orders[0], orders[1]);
        Assert.NotEqual(orders[1], orders[2]);
        Assert.Equal(orders[0], new BatchGenerator(store, settings).EpochOrder(BatchSplit.Training, 0));
    }

    [Fact]
    public void StoreOrderKeepsEachWindowWithinItsChunks()
    {
        string path = Store(BigFrames(200));
        var settings = Settings(window: 3);
        settings.ValidationFraction = 0;
        using var store = StreamedFrameStore.Open(path, BatchGenerator.CacheBlocksFor(settings));
        using var generator = new BatchGenerator(store, settings);
        var order = generator.EpochOrder(BatchSplit.Training, 4);
        // 13 chunks (12 of 16 frames, 1 of 8) in windows of 3: each stretch of the order that a
        // window fills touches exactly its 3 chunks, and its frames are not in store order.
        int start = 0;
        var chunksSeen = new HashSet<int>();
        while (start < order.Length)
        {
            var firstChunks = new HashSet<int>();
            int end = start;
            while (end < order.Length && (firstChunks.Count < 3 || firstChunks.Contains(order[end] / 16)))
            {
                firstChunks.Add(order[end] / 16);
                end++;
            }
            int expected = firstChunks.Sum(c => c == 12 ? 8 : 16);
            Assert.Equal(expected, end - start);
            Assert.Empty(chunksSeen.Intersect(firstChunks));
            chunksSeen.UnionWith(firstChunks);
            start = end;
        }
        Assert.Equal(13, chunksSeen.Count);
        Assert.NotEqual(order.Order(), order);
    }

    [Fact]
    public void StoreBatchesAreTheSameForOneTwoAndFourWorkers()
    {
        string path = Store(BigFrames(120));
        var augment = new AugmentSettings { Flip = true, ShiftPx = 2, SnrDb = 10 };
        List<Batch> Run(int workers)
        {
            var settings = Settings(workers);
            using var store = StreamedFrameStore.Open(path, BatchGenerator.CacheBlocksFor(settings));
            using var generator = new BatchGenerator(store, settings, augment);
            return generator.Stream(new BatchPrefetcher(), BatchSplit.Training, 1).ToList();
        }
        var one = Run(1);
        Assert.Equal(12, one.Count);
        foreach (int workers in new[] { 2, 4 })
        {
            var other = Run(workers);
            Assert.Equal(one.Count, other.Count);
            for (int b = 0; b < one.Count; b++)
            {
                Assert.Equal(one[b].Indices, other[b].Indices);
                Assert.Equal(one[b].Data, other[b].Data);
                Assert.Equal(one[b].Label, other[b].Label);
            }
        }
    }

    [Fact]
    public void RecycledBatchesLendTheirArraysToLaterBatchesAndRefuseReads()
    {
        var frames = BigFrames(40);
        var generator = new BatchGenerator(frames, new BatchSettings { BatchSize = 8, ValidationFraction = 0, Shuffle = false });
        var batches = generator.GetBatches().GetEnumerator();
        Assert.True(batches.MoveNext());
        var first = batches.Current;
        var array = first.Data;
        generator.Recycle(first);
        Assert.Throws<ObjectDisposedException>(() => first.Data);
        Assert.Throws<ObjectDisposedException>(() => generator.Recycle(first));
        Assert.True(batches.MoveNext());
        var second = batches.Current;
        Assert.Same(array, second.Data);
        Assert.Equal(frames[8].Data, second.Data.AsSpan(0, 4096).ToArray());
        // A batch that is kept (as Get-Batch's are) is never overwritten by later ones.
        Assert.True(batches.MoveNext());
        var third = batches.Current;
        Assert.True(batches.MoveNext());
        Assert.NotSame(third.Data, batches.Current.Data);
        Assert.Equal(frames[16].Data, third.Data.AsSpan(0, 4096).ToArray());
    }

    [Fact]
    public void SeveralSourcesSampleAsOneDatasetWithTheirLabels()
    {
        var memory = BigFrames(30, "memory");
        string path = Store(BigFrames(50, "stored"));
        var settings = Settings();
        settings.ValidationFraction = 0;
        using var store = StreamedFrameStore.Open(path, BatchGenerator.CacheBlocksFor(settings), "store-a");
        using var generator = new BatchGenerator(new CombinedFrameSource([new FrameList(memory, "pipeline"), store]), settings);
        Assert.Equal(80, generator.FrameCount);
        var seen = generator.GetBatches(BatchSplit.Training, 0).SelectMany(b => b.Indices).ToArray();
        Assert.Equal(Enumerable.Range(0, 80), seen.Order());
        Assert.Equal("pipeline", generator.Source.SourceLabel(29));
        Assert.Equal("store-a", generator.Source.SourceLabel(30));
        Assert.Equal(29f, generator.ReadFrame(29).Data[0]);
        Assert.Equal(0f, generator.ReadFrame(30).Data[0]);
        Assert.Equal("stored", generator.ReadFrame(79).Source);
        Assert.Throws<ArgumentException>(() => new CombinedFrameSource([new FrameList(memory), new FrameList(BatchGeneratorTests.Frames(3))]));
    }

    [Fact]
    public void ReplacementDrawsAsManyFramesAsTrainingHoldsFromTheTrainingSetOnly()
    {
        var frames = BatchGeneratorTests.Frames(40);
        var settings = new BatchSettings { BatchSize = 8, ValidationFraction = 0.25, Seed = 2, Replacement = true };
        var generator = new BatchGenerator(frames, settings);
        var training = generator.EpochOrder(BatchSplit.Training, 0);
        var plain = new BatchGenerator(frames, new BatchSettings { BatchSize = 8, ValidationFraction = 0.25, Seed = 2 });
        var allowed = plain.EpochOrder(BatchSplit.Training, 0).ToHashSet();
        Assert.Equal(30, training.Length);
        Assert.All(training, i => Assert.Contains(i, allowed));
        // 30 draws from 30 frames repeat some with near certainty (1 - 30!/30^30); this seed does.
        Assert.True(training.Distinct().Count() < 30);
        Assert.Equal(training, new BatchGenerator(frames, settings).EpochOrder(BatchSplit.Training, 0));
        Assert.NotEqual(training, generator.EpochOrder(BatchSplit.Training, 1));
        Assert.Equal(plain.EpochOrder(BatchSplit.Validation, 0), generator.EpochOrder(BatchSplit.Validation, 0));
    }

    [Fact]
    public void WeightsSetEachFramesShareOfTheDraws()
    {
        var frames = BatchGeneratorTests.Frames(4);
        // Frame 0 weighs 3, frame 1 weighs 1, frame 2 never drawn, frame 3 only validates.
        var sampling = new BatchSampling(TrainingIndex: [0, 1, 2], ValidationIndex: [3], Weights: [3, 1, 0, 100]);
        var generator = new BatchGenerator(frames, new BatchSettings { BatchSize = 3, Seed = 8 }, null, sampling);
        Assert.True(generator.Replacement && generator.Weighted);
        Assert.Equal([3], generator.EpochOrder(BatchSplit.Validation, 0));
        var counts = new int[4];
        for (int epoch = 0; epoch < 4000; epoch++)
            foreach (int i in generator.EpochOrder(BatchSplit.Training, epoch)) counts[i]++;
        // 12,000 draws at p = 3/4: mean 9000, standard deviation 47; 5 sigma either way.
        Assert.InRange(counts[0], 9000 - 240, 9000 + 240);
        Assert.Equal(12000, counts[0] + counts[1]);
        Assert.Equal(0, counts[2]);
        Assert.Equal(0, counts[3]);
    }

    [Fact]
    public void IndexListsSplitExactlyAndBadListsAreRefused()
    {
        var frames = BatchGeneratorTests.Frames(10);
        var settings = new BatchSettings { BatchSize = 4, Seed = 1 };
        var onlyValidation = new BatchGenerator(frames, settings, null, new BatchSampling(ValidationIndex: [7, 2]));
        Assert.Equal([2, 7], onlyValidation.EpochOrder(BatchSplit.Validation, 0));
        Assert.Equal([0, 1, 3, 4, 5, 6, 8, 9], onlyValidation.EpochOrder(BatchSplit.Training, 0).Order());
        var both = new BatchGenerator(frames, settings, null, new BatchSampling([1, 2, 3], [4]));
        Assert.Equal((3, 1), (both.TrainingCount, both.ValidationCount));
        Assert.Contains("both", Assert.Throws<ArgumentException>(() => new BatchGenerator(frames, settings, null, new BatchSampling([1, 2], [2]))).Message);
        Assert.Contains("0 to 9", Assert.Throws<ArgumentException>(() => new BatchGenerator(frames, settings, null, new BatchSampling([10]))).Message);
        Assert.Contains("more than once", Assert.Throws<ArgumentException>(() => new BatchGenerator(frames, settings, null, new BatchSampling([1, 1]))).Message);
        Assert.Contains("one weight per frame", Assert.Throws<ArgumentException>(() => new BatchGenerator(frames, settings, null, new BatchSampling(Weights: [1, 2]))).Message);
    }

    [Fact]
    public void BatchesNameEachSamplesSource()
    {
        var generator = new BatchGenerator(new CombinedFrameSource([new FrameList(BigFrames(4), "a"), new FrameList(BigFrames(4), "b")]),
            new BatchSettings { BatchSize = 8, ValidationFraction = 0, Shuffle = false });
        var batch = generator.GetBatches().Single();
        Assert.Equal(["a", "a", "a", "a", "b", "b", "b", "b"], batch.Sources);
    }

    [Fact]
    public void SamplesNoisedInPlaceMatchTheAugmenterLikeMovedOnes()
    {
        var frames = BatchGeneratorTests.Frames(16);
        var generator = new BatchGenerator(frames, new BatchSettings { BatchSize = 16, ValidationFraction = 0, Seed = 4 },
            new AugmentSettings { Flip = true, SnrDb = 8, IntensityScale = new(0.5, 2) });
        var batch = generator.GetBatches().Single();
        var random = new SeededRandom(4, BatchAssembler.AugmentStream(0, 0));
        int still = 0;
        for (int i = 0; i < batch.Count; i++)
        {
            var draw = generator.Augmenter.Draw(random);
            if (!draw.FlipRows && !draw.FlipColumns) still++;
            var expected = generator.Augmenter.Apply(frames[batch.Indices[i]], draw, random);
            Assert.Equal(expected.Data, batch.Data.AsSpan(i * 256, 256).ToArray());
            Assert.Equal(expected.Label, batch.Label.AsSpan(i * 1024, 1024).ToArray());
            Assert.Equal(expected.Positions, batch.Positions[i]);
        }
        Assert.InRange(still, 1, batch.Count - 1); // both paths were taken
    }

    /// <summary>A 2x-label frame whose data value at (i, j) is 1000 i + j and whose label value at (I, J) is 1000 I + J + 0.5.</summary>
    private static Frame Ramp(int n, int size, params (double Row, double Column)[] at)
    {
        var data = new float[size * size];
        var label = new float[4 * size * size];
        for (int i = 0; i < size; i++) for (int j = 0; j < size; j++) data[i * size + j] = 1000 * i + j;
        for (int i = 0; i < 2 * size; i++) for (int j = 0; j < 2 * size; j++) label[i * 2 * size + j] = 1000 * i + j + 0.5f;
        var positions = at.Select((p, k) => new ScattererPosition(0, k, p.Row, p.Column, true)).ToList();
        return new Frame(data, [size, size], label, [2 * size, 2 * size], "ramp", n, positions);
    }

    [Fact]
    public void PatchesCutDataAndLabelTogetherAndMovePositions()
    {
        var frames = Enumerable.Range(0, 12).Select(n => Ramp(n, 32, (3, 4), (20, 25), (30.2, 1))).ToList();
        var generator = new BatchGenerator(frames, new BatchSettings { BatchSize = 4, ValidationFraction = 0.25, Seed = 6, PatchSize = 8 });
        Assert.Equal([8, 8], generator.FrameShape);
        Assert.Equal([16, 16], generator.LabelShape);
        var corners = new HashSet<(int, int)>();
        foreach (var batch in generator.GetBatches(BatchSplit.Training, 0))
        {
            Assert.Equal([batch.Count, 1, 8, 8], batch.Shape);
            Assert.Equal([batch.Count, 1, 16, 16], batch.LabelShape);
            for (int s = 0; s < batch.Count; s++)
            {
                var d = batch.Data.AsSpan(s * 64, 64);
                int top = (int)d[0] / 1000, left = (int)d[0] % 1000;
                corners.Add((top, left));
                for (int i = 0; i < 8; i++) for (int j = 0; j < 8; j++)
                    Assert.Equal(1000 * (top + i) + left + j, d[i * 8 + j]);
                var l = batch.Label.AsSpan(s * 256, 256);
                for (int i = 0; i < 16; i++) for (int j = 0; j < 16; j++)
                    Assert.Equal(1000 * (2 * top + i) + 2 * left + j + 0.5f, l[i * 16 + j]);
                var expected = new[] { (3.0, 4.0), (20.0, 25.0), (30.2, 1.0) }
                    .Select(p => (Row: p.Item1 - top, Column: p.Item2 - left))
                    .Where(p => p.Row >= -0.5 && p.Row < 7.5 && p.Column >= -0.5 && p.Column < 7.5).ToList();
                Assert.Equal(expected, batch.Positions[s]!.Select(p => (p.Row, p.Column)).ToList());
            }
        }
        Assert.True(corners.Count > 3); // patches land in different places
        // Validation cuts the same patches every epoch.
        Assert.Equal(generator.GetBatches(BatchSplit.Validation, 0).First().Data, generator.GetBatches(BatchSplit.Validation, 5).First().Data);
        Assert.Throws<ArgumentException>(() => new BatchGenerator(frames, new BatchSettings { PatchSize = 33 }));
        Assert.Throws<ArgumentException>(() => new BatchGenerator(frames, new BatchSettings { PatchOnLabel = true }));
    }

    [Fact]
    public void PatchesOnTheLabelContainALabelMaximum()
    {
        // One scatterer per frame, somewhere different each time, in a 64x64 frame cut into 16x16 patches.
        var frames = BatchGeneratorTests.Frames(20, size: 64).Where(f => f.ScattererCount > 0).ToList();
        var generator = new BatchGenerator(frames, new BatchSettings { BatchSize = 5, ValidationFraction = 0, Seed = 3, PatchSize = 16, PatchOnLabel = true });
        foreach (var batch in generator.GetBatches(BatchSplit.Training, 0))
            for (int s = 0; s < batch.Count; s++)
            {
                var frame = frames[batch.Indices[s]];
                var patchLabel = batch.Label.AsSpan(s * 32 * 32, 32 * 32).ToArray();
                Assert.True(patchLabel.Max() > 0.5f * frame.Label!.Max(), $"patch of {frame} misses every scatterer");
                Assert.NotEmpty(batch.Positions[s]!);
            }
    }

    [Fact]
    public void OutOfPlaneRerendersTheDataWithoutDroppedScatterersAndKeepsTheLabel()
    {
        var simulation = new DataPipeline.Engine.Configuration.SimulationSettings { Size = 16, SizeRatio = 2, Frames = 3, Seed = 12, Scatterers = new(3, 5) };
        var simulator = new DataPipeline.Engine.Simulation.ScattererSimulator(simulation);
        var frames = simulator.Generate(0, 16).ToList();
        Assert.Equal(frames[3].Data, simulator.Render(3, new HashSet<int>()).Data); // same draws when nothing is dropped
        var generator = new BatchGenerator(frames, new BatchSettings { BatchSize = 16, ValidationFraction = 0, Seed = 5 },
            new AugmentSettings { OutOfPlane = 0.2 });
        var batch = generator.GetBatches().Single();
        int changed = 0, kept = 0;
        for (int s = 0; s < batch.Count; s++)
        {
            var frame = frames[batch.Indices[s]];
            int size = frame.Data.Length, labelSize = frame.Label!.Length;
            Assert.Equal(frame.Label, batch.Label.AsSpan(s * labelSize, labelSize).ToArray());
            var dropped = frame.Positions!.Select(p => p.Scatterer).Distinct()
                .Where(k => batch.Positions[s]!.Where(p => p.Scatterer == k).All(p => !p.InData)
                    && frame.Positions!.Any(p => p.Scatterer == k && p.InData)).ToHashSet();
            var expected = dropped.Count == 0 ? frame.Data : simulator.Render(frame.Index, dropped).Data;
            Assert.Equal(expected, batch.Data.AsSpan(s * size, size).ToArray());
            Assert.Equal(frame.Positions!.Count, batch.Positions[s]!.Count);
            if (dropped.Count > 0) changed++;
            kept += frame.Positions!.Select(p => p.Scatterer).Distinct().Count() - dropped.Count;
        }
        Assert.InRange(changed, 1, batch.Count - 1);
        Assert.True(kept > 0);
        // Frames that were not simulated here cannot be re-rendered and pass unchanged.
        var made = BigFrames(4);
        var plain = new BatchGenerator(made, new BatchSettings { BatchSize = 4, ValidationFraction = 0, Shuffle = false }, new AugmentSettings { OutOfPlane = 1 });
        Assert.Equal(made.SelectMany(f => f.Data), plain.GetBatches().Single().Data);
    }
}
