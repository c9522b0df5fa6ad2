using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Runtime;

namespace DataPipeline.Bench;

/// <summary>
/// The batches mode's command line, mirroring shared/bench/peer_batches.py: --frames, --batches,
/// --warmup, --batch-size, --workers, --noise-db, --noise-model, --rotation, --rescale,
/// --no-shuffle, --seed. Only what the module implements is accepted: noise is the true dB of
/// [augment] snr_db (the original's raw sigma on data and labels is the bug it replaces), float32,
/// synthetic frames, labels at full resolution.
/// </summary>
internal sealed record BatchesArguments(
    int Frames, int Batches, int Warmup, int BatchSize, int Workers, double NoiseDb, double Rotation,
    double Rescale, bool Shuffle, long Seed)
{
    public static BatchesArguments Parse(IReadOnlyList<string> args)
    {
        int frames = 1024, batches = 200, warmup = 5, batchSize = 32, workers = 2;
        double noiseDb = 6, rotation = 0, rescale = 1;
        bool shuffle = true;
        long seed = 50;
        foreach (var (option, value) in BenchArguments.Tokens(args, flag: a => a == "--no-shuffle"))
        {
            string name = option ?? throw new UsageException($"unexpected argument '{value}' for batches");
            switch (name)
            {
                case "--frames": frames = Int(name, value); break;
                case "--batches": batches = Int(name, value); break;
                case "--warmup": warmup = Int(name, value); break;
                case "--batch-size": batchSize = Int(name, value); break;
                case "--workers": workers = Int(name, value); break;
                case "--noise-db": noiseDb = Real(name, value); break;
                case "--rotation": rotation = Real(name, value); break;
                case "--rescale": rescale = Real(name, value); break;
                case "--seed": seed = Int(name, value); break;
                case "--no-shuffle": shuffle = false; break;
                case "--noise-model":
                    if (value != "snr-db")
                        throw new UsageException("--noise-model: only snr-db ([augment] snr_db, data only); the original's raw sigma on data and labels is not reproduced");
                    break;
                case "--dtype":
                    if (value != "float32") throw new UsageException("--dtype: frames are float32 in the module");
                    break;
                case "--label-size-ratio":
                    if (value != "1") throw new UsageException("--label-size-ratio: only 1 (labels are kept at 128x128)");
                    break;
                default:
                    throw new UsageException($"unknown option '{name}' for batches (--npz, --mat-dir and --impl are the peer's only)");
            }
        }
        if (frames < 1 || batches < 1 || warmup < 0 || batchSize < 1 || workers < 0)
            throw new UsageException("--frames, --batches and --batch-size must be >= 1; --warmup and --workers >= 0");
        if (batchSize > frames) throw new UsageException($"batch size {batchSize} > dataset size {frames}");
        if (rotation < 0 || rescale <= 0) throw new UsageException("--rotation must be >= 0 and --rescale > 0");
        return new BatchesArguments(frames, batches, warmup, batchSize, workers, noiseDb, rotation, rescale, shuffle, seed);
    }

    private static int Int(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) ? n : throw new UsageException($"{name} needs an integer, not '{value}'");

    private static double Real(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d : throw new UsageException($"{name} needs a number, not '{value}'");
}

/// <summary>
/// Times augmented training batches as peer_batches.py does: one thread, then a pool of workers
/// (BatchGenerator.Stream). The peer's pool pays for pickling batches back to its parent; ours
/// hands them over in memory, so "pool_compute_only" is the same work timed a second time.
/// Unlike the peer, batches come from epochs (every frame once per epoch), as the module trains,
/// and the timed loops recycle each batch's arrays as the training loop does after its copy to tensors.
/// </summary>
internal static class BatchesBench
{
    private const int DataSize = 64, LabelSize = 128, Scatterers = 5;

    public static int Run(BatchesArguments a)
    {
        var envAtStart = BenchJson.CaptureEnvironment();
        var load = Stopwatch.StartNew();
        var frames = Synthetic(a.Frames, a.Seed);
        double loadSeconds = load.Elapsed.TotalSeconds;
        var augment = new AugmentSettings
        {
            SnrDb = a.NoiseDb != 0 ? a.NoiseDb : null,
            RotationDeg = a.Rotation,
            IntensityScale = new(a.Rescale, a.Rescale),
        };
        BatchGenerator Generator(int workers) => new(frames,
            new BatchSettings { BatchSize = a.BatchSize, Shuffle = a.Shuffle, ValidationFraction = 0, DropLast = true, Seed = a.Seed, Workers = Math.Max(workers, 1), Prefetch = 2 },
            augment);

        var single = Generator(1);
        Console.WriteLine($"batches: .NET {Environment.Version}, dataset synthetic N={a.Frames} data [{DataSize}, {DataSize}] " +
            $"labels [{LabelSize}, {LabelSize}] float32 (ready in {loadSeconds:F2} s)");
        Console.WriteLine($"batches: batch [{a.BatchSize}, 1, {DataSize}, {DataSize}] / [{a.BatchSize}, 1, {LabelSize}, {LabelSize}], " +
            $"noise {a.NoiseDb} (snr-db), rotation {a.Rotation}, rescale {a.Rescale}");
        var loadStart = BenchJson.LoadAverage();

        // Warm-up batches come from a far-away epoch so the timed ones start cold on fresh numbers, as the peer's do.
        Consume(single, Batches(single, a.Warmup, null, firstEpoch: 1 << 20));
        double singleSeconds = Time(() => Consume(single, Batches(single, a.Batches, null)));
        int totalFrames = a.Batches * a.BatchSize;
        Console.WriteLine($"batches: single thread: {a.Batches / singleSeconds:F3} batches/s, {totalFrames / singleSeconds:F1} frames/s");

        double poolSeconds = 0, computeSeconds = 0;
        if (a.Workers > 0)
        {
            var pool = Generator(a.Workers);
            Consume(pool, Batches(pool, Math.Max(a.Warmup, a.Workers), new BatchPrefetcher(), firstEpoch: 1 << 20));
            poolSeconds = Time(() => Consume(pool, Batches(pool, a.Batches, new BatchPrefetcher())));
            computeSeconds = Time(() => Consume(pool, Batches(pool, a.Batches, new BatchPrefetcher())));
            var check = Batches(pool, 3, new BatchPrefetcher()).ToList();
            var reference = Batches(single, 3, null).ToList();
            for (int i = 0; i < 3; i++)
                if (!check[i].Data.AsSpan().SequenceEqual(reference[i].Data) || !check[i].Label.AsSpan().SequenceEqual(reference[i].Label))
                    throw new InvalidOperationException($"pool batch {i} differs from the single-thread batch");
            Console.WriteLine($"batches: pool of {a.Workers}: {a.Batches / poolSeconds:F3} batches/s, {totalFrames / poolSeconds:F1} frames/s " +
                "(first 3 checked equal to single-thread)");
        }
        var loadEnd = BenchJson.LoadAverage();

        Console.WriteLine(BenchJson.Line(w =>
        {
            w.WriteString("bench", "datapipeline_batches");
            w.WriteString("impl", "csharp");
            w.WriteString("dtype", "float32");
            w.WriteString("dataset", "synthetic");
            w.WriteNumber("N", a.Frames);
            BenchJson.WriteNumbers(w, "data_shape", [DataSize, DataSize]);
            BenchJson.WriteNumbers(w, "label_shape", [LabelSize, LabelSize]);
            w.WriteNumber("batch_size", a.BatchSize);
            w.WriteNumber("batches", a.Batches);
            Rate(w, "single", null, singleSeconds, a, singleSeconds);
            if (a.Workers > 0)
            {
                Rate(w, "pool", a.Workers, poolSeconds, a, singleSeconds);
                Rate(w, "pool_compute_only", a.Workers, computeSeconds, a, singleSeconds);
            }
            w.WriteStartObject("options");
            w.WriteBoolean("shuffle", a.Shuffle);
            w.WriteNumber("noise_db", a.NoiseDb);
            w.WriteString("noise_model", "snr-db");
            w.WriteNumber("rotation", a.Rotation);
            w.WriteNumber("rescale", a.Rescale);
            w.WriteString("impl", "csharp");
            w.WriteNumber("seed", a.Seed);
            w.WriteNumber("label_size_ratio", 1);
            w.WriteString("sampling", "epochs");
            w.WriteEndObject();
            w.WriteString("dotnet_version", RuntimeInformation.FrameworkDescription);
            w.WriteNumber("cpu_count", Environment.ProcessorCount);
            BenchJson.WriteEnvironment(w, envAtStart);
            BenchJson.WriteLoadAndTime(w, loadStart, loadEnd);
        }));
        return 0;
    }

    private static void Rate(Utf8JsonWriter w, string name, int? workers, double seconds, BatchesArguments a, double singleSeconds)
    {
        w.WriteStartObject(name);
        if (workers is int n) w.WriteNumber("workers", n);
        w.WriteNumber("seconds", Math.Round(seconds, 4));
        w.WriteNumber("batches_per_s", Math.Round(a.Batches / seconds, 3));
        w.WriteNumber("frames_per_s", Math.Round(a.Batches * a.BatchSize / seconds, 1));
        if (workers is not null) w.WriteNumber("speedup_vs_single", Math.Round(singleSeconds / seconds, 3));
        w.WriteEndObject();
    }

    /// <summary>The first <paramref name="count"/> training batches from epoch <paramref name="firstEpoch"/> on, built on this thread or by the pool.</summary>
    private static IEnumerable<Batch> Batches(BatchGenerator generator, int count, BatchPrefetcher? prefetcher, int firstEpoch = 0)
    {
        for (int epoch = firstEpoch; count > 0; epoch++)
        {
            var batches = prefetcher is null ? generator.GetBatches(BatchSplit.Training, epoch) : generator.Stream(prefetcher, BatchSplit.Training, epoch);
            foreach (var batch in batches.Take(count))
            {
                count--;
                yield return batch;
            }
        }
    }

    /// <summary>Takes each batch and hands its arrays back, as the training loop does once they are in tensors.</summary>
    private static void Consume(BatchGenerator generator, IEnumerable<Batch> batches)
    {
        foreach (var batch in batches) generator.Recycle(batch);
    }

    private static double Time(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// The peer's synthetic set: 5 scatterers per frame, Gaussian PSF sigma 3 px in 64x64 data and
    /// 1 px in 128x128 labels, max-combined and scaled to a peak of 1, positions kept.
    /// </summary>
    private static List<Frame> Synthetic(int count, long seed)
    {
        var random = new SeededRandom(seed);
        var frames = new List<Frame>(count);
        for (int n = 0; n < count; n++)
        {
            var at = new (double Row, double Column)[Scatterers];
            for (int s = 0; s < Scatterers; s++) at[s] = (random.NextDouble(), random.NextDouble());
            var positions = at.Select((p, s) => new ScattererPosition(0, s, p.Row * DataSize - 0.5, p.Column * DataSize - 0.5, true)).ToList();
            frames.Add(new Frame(Render(at, DataSize, 3), [DataSize, DataSize], Render(at, LabelSize, 1), [LabelSize, LabelSize],
                "synthetic", n, positions));
        }
        return frames;
    }

    private static float[] Render((double Row, double Column)[] at, int size, double sigma)
    {
        var plane = new float[size * size];
        float peak = 0;
        for (int i = 0; i < size; i++)
        for (int j = 0; j < size; j++)
        {
            double best = 0;
            foreach (var (row, column) in at)
            {
                double dy = i + 0.5 - row * size, dx = j + 0.5 - column * size;
                best = Math.Max(best, Math.Exp(-(dy * dy + dx * dx) / (2 * sigma * sigma)));
            }
            plane[i * size + j] = (float)best;
            peak = Math.Max(peak, (float)best);
        }
        for (int k = 0; k < plane.Length; k++) plane[k] /= peak;
        return plane;
    }
}
