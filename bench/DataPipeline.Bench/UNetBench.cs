using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Models;
using DataPipeline.Engine.Runtime;
using DataPipeline.Engine.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace DataPipeline.Bench;

/// <summary>
/// The train and infer modes: one U-Net step timed exactly as shared/bench/UNET.md's "Benchmark
/// protocol (both sides)" says, on the engine's own UNet, against peer_unet.py.
/// </summary>
internal static class UNetBench
{
    private const double TargetOnesFraction = 0.01;

    public static int Run(UNetArguments args)
    {
        var envAtStart = BenchJson.CaptureEnvironment();
        var config = ConfigLoader.LoadFile(args.ConfigPath);
        if (args.Threads is int threadsOverride) config.Training.Threads = threadsOverride;
        var m = config.Model;
        var training = config.Training;
        int sizeRatio = m.SizeRatio > 0 ? m.SizeRatio : 1;

        // 1. Threads, seed, model (the UNet constructor initializes its weights).
        TorchRuntime.SetThreads(training.Threads);
        manual_seed(training.Seed);
        using var model = new UNet(m, sizeRatio, layout: args.Contiguous ? MemoryLayout.Contiguous : MemoryLayout.ChannelsLast);
        var (xShape, yShape) = Shapes(config, sizeRatio);
        try
        {
            model.CheckInputShape(xShape.Skip(2).Select(d => (int)d).ToArray());
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"bench: config [bench] size does not fit the model: {e.Message}");
            return 2;
        }
        long parameters = model.TrainableParameters;
        long formula = UNetParameterFormula.Count(m, sizeRatio);
        if (parameters != formula)
        {
            Console.Error.WriteLine($"bench: parameter count {parameters} != UNET.md formula {formula}");
            return 1;
        }

        // 2. Inputs and targets, made once and kept in memory so that only model compute is timed.
        using var x = rand(xShape);
        using var target = Targets(yShape);

        bool probabilities = m.OutputActivation == OutputActivation.Sigmoid;
        using var optimizer = OptimizerFactory.Create(model.parameters(), training);
        Func<double> step;
        if (args.Mode == "train")
        {
            model.train();
            step = () =>
            {
                using var scope = NewDisposeScope();
                // set_to_none, as the peer's opt.zero_grad(set_to_none=True).
                model.zero_grad(set_to_none: true);
                var loss = Loss.Compute(training.Loss, model.call(x), target, probabilities);
                loss.backward();
                optimizer.step();
                return loss.item<float>();
            };
        }
        else
        {
            model.eval();
            step = () =>
            {
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                return model.call(x).mean().item<float>();
            };
        }

        string torchVersion = $"{__version__} (TorchSharp {TorchSharpVersion()})";
        Console.WriteLine($"bench: libtorch {torchVersion}, {RuntimeInformation.FrameworkDescription}, threads {get_num_threads()}, " +
                          $"mode {args.Mode}, dims {m.Dims}, input ({string.Join(", ", xShape)}) -> target ({string.Join(", ", yShape)}), " +
                          $"layout {model.Layout}, oneDNN capped at AVX2: {TorchRuntime.OneDnnIsaCapped}, oneDNN off: {TorchRuntime.OneDnnDisabled}");
        Console.WriteLine($"bench: parameters {parameters} (UNET.md formula agrees)");

        // 3-4. Untimed warm-up, then each step timed on its own.
        var loadStart = BenchJson.LoadAverage();
        double last = double.NaN;
        for (int i = 0; i < args.Warmup; i++) last = step();
        var times = new double[args.Steps];
        var probe = new StepProbe();
        for (int i = 0; i < args.Steps; i++)
        {
            probe.Begin();
            long t0 = Stopwatch.GetTimestamp();
            last = step();
            times[i] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            probe.End(times[i]);
        }
        if (!double.IsFinite(last))
        {
            Console.Error.WriteLine($"bench: non-finite value after the timed steps: {last}");
            return 1;
        }

        double median = BenchJson.Median(times);
        int n = config.Batch.BatchSize;
        var loadEnd = BenchJson.LoadAverage();
        // Issue 13's figures per mode on the human line too: spread and achieved GFLOP/s (the JSON's summary).
        double? gflop = StepStatistics.GigaFlops(args.ConfigPath, args.Mode);
        Console.WriteLine($"bench: {args.Steps} steps, median {BenchJson.Ms(median)} ms, min {BenchJson.Ms(times.Min())} ms, " +
                          $"{Math.Round(n / median, 3)} samples/s, p90/median {StepStatistics.P90(times) / median:F3}" +
                          (gflop is double g ? $", {g / median:F1} GFLOP/s median, {g / times.Min():F1} best" : ""));
        Console.WriteLine(BenchJson.Line(w =>
        {
            w.WriteString("bench", "datapipeline_unet");
            w.WriteString("mode", args.Mode);
            w.WriteNumber("dims", m.Dims);
            w.WriteNumber("H", config.Bench.Height);
            w.WriteNumber("W", config.Bench.Width);
            if (m.Dims == 3) w.WriteNumber("T", config.Bench.Frames);
            else w.WriteNull("T");
            w.WriteNumber("batch_size", n);
            w.WriteNumber("warmup", args.Warmup);
            w.WriteNumber("steps", args.Steps);
            w.WriteNumber("median_ms", BenchJson.Ms(median));
            w.WriteNumber("min_ms", BenchJson.Ms(times.Min()));
            w.WriteNumber("mean_ms", BenchJson.Ms(times.Average()));
            w.WriteNumber("max_ms", BenchJson.Ms(times.Max()));
            w.WriteNumber("samples_per_s", Math.Round(n / median, 3));
            BenchJson.WriteNumbers(w, "times_ms", times.Select(BenchJson.Ms));
            w.WriteNumber("params", parameters);
            w.WriteNumber("last_value", last);
            w.WriteString("torch_version", torchVersion);
            w.WriteNumber("threads", get_num_threads());
            w.WriteNumber("interop_threads", get_num_interop_threads());
            // The peer's "python" key: the language runtime that drives libtorch.
            w.WriteString("python", RuntimeInformation.FrameworkDescription);
            BenchJson.WriteEnvironment(w, envAtStart);
            w.WriteString("config_file", Path.GetFullPath(args.ConfigPath));
            BenchJson.WriteConfig(w, config, "model", "batch", "training", "bench");
            BenchJson.WriteLoadAndTime(w, loadStart, loadEnd);
            // Ours only (the peer has no such keys): the model's layout, the issue-13 summary and the per-step counts.
            w.WriteString("layout", model.Layout == MemoryLayout.ChannelsLast ? "channels_last" : "contiguous");
            w.WriteBoolean("onednn_disabled", TorchRuntime.OneDnnDisabled);
            StepStatistics.Write(w, times, args.ConfigPath, args.Mode);
            probe.Write(w);
        }));
        return 0;
    }

    /// <summary>N x 1 x [T x] H x W in, N x 1 x [T x] rH x rW out (UNET.md).</summary>
    private static (long[] X, long[] Y) Shapes(PipelineConfig config, int r)
    {
        long n = config.Batch.BatchSize, h = config.Bench.Height, w = config.Bench.Width;
        if (config.Model.Dims == 2) return ([n, 1, h, w], [n, 1, h * r, w * r]);
        long t = config.Bench.Frames;
        return ([n, 1, t, h, w], [n, 1, t, h * r, w * r]);
    }

    /// <summary>1 where a uniform draw is below 0.01, else 0 (about 1% ones), as float32.</summary>
    private static Tensor Targets(long[] shape)
    {
        using var scope = NewDisposeScope();
        return rand(shape).lt(TargetOnesFraction).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    private static string TorchSharpVersion() =>
        typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown";
}
