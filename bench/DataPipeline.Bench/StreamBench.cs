using System.Diagnostics;
using System.Globalization;
using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Runtime;

namespace DataPipeline.Bench;

/// <summary>The stream mode's command line: a store path, its size when it has to be written, and the generator's settings.</summary>
internal sealed record StreamArguments(string Store, double Gigabytes, int Workers, int BatchSize, int Window, long Seed)
{
    public static StreamArguments Parse(IReadOnlyList<string> args)
    {
        string? store = null;
        double gigabytes = 2;
        int workers = 2, batchSize = 32, window = 16;
        long seed = 1;
        foreach (var (name, value) in BenchArguments.Tokens(args, flag: _ => false))
        {
            switch (name)
            {
                case null:
                    if (store is not null) throw new UsageException($"unexpected argument '{value}': only one store is taken");
                    store = value;
                    break;
                case "--gigabytes":
                    gigabytes = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double g) && g > 0
                        ? g : throw new UsageException($"--gigabytes needs a positive number, not '{value}'");
                    break;
                case "--workers": workers = BenchArguments.ParseInt(name, value); break;
                case "--batch-size": batchSize = BenchArguments.ParseInt(name, value); break;
                case "--window": window = BenchArguments.ParseInt(name, value); break;
                case "--seed": seed = BenchArguments.ParseInt(name, value); break;
                default: throw new UsageException($"unknown option '{name}' for stream");
            }
        }
        if (store is null) throw new UsageException("stream needs the path of a frame store (written first when it does not exist)");
        if (workers < 1 || batchSize < 1 || window < 1) throw new UsageException("--workers, --batch-size and --window must be >= 1");
        return new StreamArguments(store, gigabytes, workers, batchSize, window, seed);
    }
}

/// <summary>
/// Streams one epoch (training, augmented, then validation) from a frame store through
/// BatchGenerator.Stream with batches recycled as the trainer does, and reports the process's
/// peak resident memory, which must stay bounded by the generator's settings, not the store's size
/// (DESIGN.md §6). When the store does not exist it is written first: frames of 64x64 data and
/// 128x128 labels of seeded noise (so the file is as large as the values), --gigabytes of them.
/// Run it twice under /usr/bin/time -v for a peak that includes nothing but the streaming.
/// </summary>
internal static class StreamBench
{
    private const int DataSize = 64, LabelSize = 128;

    public static int Run(StreamArguments a)
    {
        string path = Path.GetFullPath(a.Store);
        if (!File.Exists(path)) Write(path, a.Gigabytes, a.Seed);
        // Start the peak afresh, so a store written just now does not count (Linux: clear_refs 5).
        try { File.WriteAllText("/proc/self/clear_refs", "5"); } catch (IOException) { } catch (UnauthorizedAccessException) { }

        var settings = new BatchSettings { BatchSize = a.BatchSize, ValidationFraction = 0.2, Seed = a.Seed, Workers = a.Workers, Prefetch = 2, ShuffleWindow = a.Window };
        var augment = new AugmentSettings { Flip = true, SnrDb = 10 };
        using var store = StreamedFrameStore.Open(path, BatchGenerator.CacheBlocksFor(settings));
        using var generator = new BatchGenerator(store, settings, augment);
        var clock = Stopwatch.StartNew();
        var prefetcher = new BatchPrefetcher();
        long frames = 0;
        foreach (var split in new[] { BatchSplit.Training, BatchSplit.Validation })
        foreach (var batch in generator.Stream(prefetcher, split, 0))
        {
            frames += batch.Count;
            generator.Recycle(batch);
        }
        double seconds = clock.Elapsed.TotalSeconds;
        long fileBytes = new FileInfo(path).Length;
        long rawBytes = (long)store.Count * (Frame.ElementCount(store.FrameShape) + Frame.ElementCount(store.LabelShape)) * sizeof(float);
        Console.WriteLine($"stream: {store.Count} frames in {store.Count / store.ChunkFrames} chunks of {store.ChunkFrames}, " +
            $"file {fileBytes / 1e9:F2} GB, values {rawBytes / 1e9:F2} GB; cache {store.CacheBlocks} blocks; {a.Workers} workers");
        Console.WriteLine($"stream: {frames} frames in {seconds:F1} s ({frames / seconds:F0} frames/s), {store.BlocksRead} blocks read, " +
            $"data wait {prefetcher.WaitTime.TotalSeconds:F1} s; peak RSS {ResidentBytes("VmHWM") / 1048576.0:F0} MiB");
        Console.WriteLine(BenchJson.Line(w =>
        {
            w.WriteString("bench", "datapipeline_stream");
            w.WriteNumber("frames", store.Count);
            w.WriteNumber("chunk_frames", store.ChunkFrames);
            w.WriteNumber("file_bytes", fileBytes);
            w.WriteNumber("value_bytes", rawBytes);
            w.WriteNumber("streamed_frames", frames);
            w.WriteNumber("seconds", Math.Round(seconds, 3));
            w.WriteNumber("frames_per_s", Math.Round(frames / seconds, 1));
            w.WriteNumber("blocks_read", store.BlocksRead);
            w.WriteNumber("cache_blocks", store.CacheBlocks);
            w.WriteNumber("workers", a.Workers);
            w.WriteNumber("data_wait_s", Math.Round(prefetcher.WaitTime.TotalSeconds, 3));
            w.WriteNumber("peak_rss_mib", Math.Round(ResidentBytes("VmHWM") / 1048576.0, 1));
        }));
        return 0;
    }

    private static void Write(string path, double gigabytes, long seed)
    {
        long frameBytes = (DataSize * DataSize + LabelSize * LabelSize) * sizeof(float);
        int count = checked((int)Math.Ceiling(gigabytes * 1e9 / frameBytes));
        Console.WriteLine($"stream: writing {count} frames ({count * frameBytes / 1e9:F2} GB of values) to {path}");
        var clock = Stopwatch.StartNew();
        using var writer = FrameStoreWriter.Create(path);
        var data = new float[DataSize * DataSize];
        var label = new float[LabelSize * LabelSize];
        for (int n = 0; n < count; n++)
        {
            var random = new SeededRandom(seed, n);
            Array.Clear(data);
            Array.Clear(label);
            random.AddGaussian(data, 1);
            random.AddGaussian(label, 1);
            writer.Add(new Frame(data, [DataSize, DataSize], label, [LabelSize, LabelSize], "noise", n,
                [new ScattererPosition(0, 0, random.NextDouble() * DataSize, random.NextDouble() * DataSize, true)]));
        }
        writer.Commit();
        Console.WriteLine($"stream: written in {clock.Elapsed.TotalSeconds:F0} s");
    }

    private static long ResidentBytes(string field)
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        return 0;
    }
}
