using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Frames;
using Xunit;

namespace DataPipeline.Tests.Engine;

/// <summary>
/// Queries on a store's per-frame metadata (New-BatchGenerator -Filter): answered from the metadata
/// datasets alone, and the batches of the kept frames read only the chunks that hold them.
/// </summary>
public sealed class BatchQueryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("query-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Frame n holds n % 5 scatterers (ids 0..), from "a.mat" (index n) or, from n = 10 on, a simulation ("b", index 100 + n).</summary>
    private static List<Frame> Frames(int count)
    {
        var frames = new List<Frame>();
        for (int n = 0; n < count; n++)
        {
            var positions = Enumerable.Range(0, n % 5).Select(s => new ScattererPosition(0, s, 1 + s, 2, true)).ToList();
            bool simulated = n >= 10;
            frames.Add(new Frame(Enumerable.Repeat((float)n, 16).ToArray(), [4, 4], new float[64], [8, 8],
                simulated ? "b" : "a.mat", simulated ? 100 + n : n, positions,
                simulated ? new FrameOrigin("scatterer-simulator", 42, null) : null));
        }
        return frames;
    }

    private string Store(IEnumerable<Frame> frames)
    {
        string path = Path.Combine(_dir, "store.h5");
        using var writer = FrameStoreWriter.Create(path);
        foreach (var frame in frames) writer.Add(frame);
        writer.Commit();
        return path;
    }

    [Fact]
    public void StoreMetadataComesFromItsMetadataDatasetsWithoutReadingAChunk()
    {
        var frames = Frames(20);
        using var store = StreamedFrameStore.Open(Store(frames), 4);
        var metadata = FrameMetadata.Of(store);
        Assert.Equal(0, store.BlocksRead);
        Assert.Equal(20, metadata.Count);
        for (int n = 0; n < 20; n++)
        {
            // Hand values, then the same as the metadata of the frame read back whole.
            Assert.Equal(new FrameMetadata(n, n >= 10 ? "b" : "a.mat", n >= 10 ? 100 + n : n, n % 5,
                n >= 10 ? "scatterer-simulator" : null, n >= 10 ? 42 : null), metadata[n]);
        }
        Assert.Equal(metadata, Enumerable.Range(0, 20).Select(i => FrameMetadata.Of(store.Read(i), i)));
        Assert.Equal(metadata, FrameMetadata.Of(new FrameList(frames)));
    }

    [Fact]
    public void BatchesOfAStoreSubsetReadOnlyTheChunksOfTheKeptFrames()
    {
        // 64x64 frames with 128x128 labels: chunks of 16 frames; frame n's data[0] is n.
        var frames = StreamedBatchTests.BigFrames(64);
        string path = Path.Combine(_dir, "big.h5");
        using (var writer = FrameStoreWriter.Create(path))
        {
            foreach (var frame in frames) writer.Add(frame);
            writer.Commit();
        }
        var settings = new BatchSettings { BatchSize = 4, ValidationFraction = 0, Seed = 2 };
        using var store = StreamedFrameStore.Open(path, BatchGenerator.CacheBlocksFor(settings));
        Assert.Equal(16, store.ChunkFrames);
        // The query: frames 16..31 and 48..63, chunks 1 and 3.
        var kept = FrameMetadata.Of(store).Where(m => m.Index / 16 % 2 == 1).Select(m => m.Position).ToArray();
        Assert.Equal(0, store.BlocksRead);
        using var generator = new BatchGenerator(new FrameSubset(store, kept), settings);
        Assert.Equal(32, generator.FrameCount);
        Assert.Equal(0, store.BlocksRead);

        var seen = new List<int>();
        foreach (var batch in generator.GetBatches(BatchSplit.Training, 0))
            for (int i = 0; i < batch.Count; i++) seen.Add((int)batch.Data[i * 64 * 64]);
        Assert.Equal(kept, seen.Order());
        Assert.Equal(2, store.BlocksRead);
    }

    [Fact]
    public void AStoreWhoseFrameChunksAreDamagedStillAnswersAQuery()
    {
        // Random values do not compress: the frames' chunks fill the middle of the file, the few
        // bytes of metadata datasets lie elsewhere. Overwrite the middle half of the file.
        var frames = StreamedBatchTests.BigFrames(64);
        string path = Path.Combine(_dir, "damaged.h5");
        using (var writer = FrameStoreWriter.Create(path))
        {
            foreach (var frame in frames) writer.Add(frame);
            writer.Commit();
        }
        var bytes = File.ReadAllBytes(path);
        Array.Fill(bytes, (byte)0xAB, bytes.Length / 4, bytes.Length / 2);
        File.WriteAllBytes(path, bytes);

        using var store = StreamedFrameStore.Open(path, 8);
        var metadata = FrameMetadata.Of(store);
        Assert.Equal(frames.Select((f, i) => FrameMetadata.Of(f, i)), metadata);
        // The frames themselves cannot be read any more: the query never needed them.
        Assert.Throws<FrameStoreException>(() => Enumerable.Range(0, 64).Select(store.Read).ToList());
    }

    [Fact]
    public void SubsetRefusesNothingKeptAndFramesTwice()
    {
        var list = new FrameList(Frames(3));
        Assert.Throws<ArgumentException>(() => new FrameSubset(list, []));
        Assert.Throws<ArgumentException>(() => new FrameSubset(list, [1, 1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FrameSubset(list, [3]));
        var subset = new FrameSubset(list, [2, 0]);
        Assert.Equal(2, subset.Read(0).Index);
        Assert.Equal([2, 0], FrameMetadata.Of(subset).Select(m => m.Index));
        Assert.Equal([0, 1], FrameMetadata.Of(subset).Select(m => m.Position));
    }
}
