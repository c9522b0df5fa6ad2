using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Models;
using DataPipeline.Engine.Runtime;
using DataPipeline.Engine.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace DataPipeline.Bench;

/// <summary>
/// Checks of the channels-last U-Net that must run in a process of their own, because what they
/// guard against kills a process (oneDNN's SIGFPE) or depends on process-wide oneDNN state (the
/// ISA, oneDNN switched off after a NaN step). tests/Unit runs them as child processes.
/// </summary>
internal static class LayoutBench
{
    /// <summary>
    /// conv1x1 [--raw] [--threads N]: the 1x1 convolutions that crashed libtorch 2.10's oneDNN with
    /// SIGFPE in channels-last (the lab network's subpixel up-samplings, batch 32, 8x8), run as
    /// <see cref="PointwiseConv"/> does, forward and backward, against libtorch's convolution in the
    /// default layout. One JSON line per shape, then "conv1x1: ok". --raw runs libtorch's own
    /// convolution on the channels-last tensors instead: the crash itself (exit 136 when it comes).
    /// </summary>
    public static int Conv1x1(IReadOnlyList<string> args)
    {
        var options = Options(args, "--raw", "--threads");
        bool raw = options.ContainsKey("--raw");
        TorchRuntime.SetThreads(options.TryGetValue("--threads", out var t) ? BenchArguments.ParseInt("--threads", t) : 2);
        manual_seed(0);
        // Batches of the lab's training (32), prediction (16) and a last, partial batch.
        (int N, int Cin, int Cout, long[] Size)[] shapes =
        [
            .. new[] { 32, 16, 3, 1 }.SelectMany(n => new (int, int, int, long[])[] { (n, 512, 2048, [8, 8]), (n, 256, 1024, [8, 8]) }),
            (32, 256, 1024, [16, 16]),
            (4, 32, 128, [16, 8, 8]),
        ];
        foreach (var (n, cin, cout, size) in shapes)
        {
            using var scope = NewDisposeScope();
            int dims = size.Length;
            using var conv = new PointwiseConv(cin, cout, dims, gemm: true);
            var x = randn([n, cin, .. size]);
            // Reference: libtorch's convolution in the default layout.
            var xRef = x.detach().requires_grad_(true);
            var yRef = dims == 3 ? nn.functional.conv3d(xRef, conv.weight, conv.bias) : nn.functional.conv2d(xRef, conv.weight, conv.bias);
            var upstream = randn_like(yRef);
            var (gxRef, gwRef) = Gradients(yRef, upstream, xRef, conv.weight);

            var xCl = ChannelsLast.Of(x).detach().requires_grad_(true);
            var y = raw
                ? (dims == 3 ? nn.functional.conv3d(xCl, conv.weight, conv.bias) : nn.functional.conv2d(xCl, conv.weight, conv.bias))
                : conv.call(xCl);
            var (gx, gw) = Gradients(y, upstream, xCl, conv.weight);
            // Inference (no_grad) is another oneDNN primitive (forward_inference).
            Tensor yInfer;
            using (no_grad())
                yInfer = raw
                    ? (dims == 3 ? nn.functional.conv3d(xCl, conv.weight, conv.bias) : nn.functional.conv2d(xCl, conv.weight, conv.bias))
                    : conv.call(xCl);
            Console.WriteLine(BenchJson.Line(w =>
            {
                w.WriteString("shape", $"{n}x{cin}->{cout} at {string.Join("x", size)}");
                w.WriteBoolean("raw", raw);
                w.WriteBoolean("output_channels_last", ChannelsLast.Is(y));
                w.WriteNumber("output_rel_diff", RelativeDifference(y, yRef));
                w.WriteNumber("inference_rel_diff", RelativeDifference(yInfer, yRef));
                w.WriteNumber("input_grad_rel_diff", RelativeDifference(gx, gxRef));
                w.WriteNumber("weight_grad_rel_diff", RelativeDifference(gw, gwRef));
                w.WriteNumber("forward_ms_default_layout_conv", ForwardMs(() => dims == 3 ? nn.functional.conv3d(x, conv.weight, conv.bias) : nn.functional.conv2d(x, conv.weight, conv.bias)));
                w.WriteNumber("forward_ms_channels_last", ForwardMs(() => raw
                    ? (dims == 3 ? nn.functional.conv3d(xCl, conv.weight, conv.bias) : nn.functional.conv2d(xCl, conv.weight, conv.bias))
                    : conv.call(xCl)));
            }));
        }
        Console.WriteLine("conv1x1: ok");
        return 0;
    }

    /// <summary>Median of 5 inference calls after 2, in ms.</summary>
    private static double ForwardMs(Func<Tensor> forward)
    {
        using var _ = no_grad();
        var times = new double[7];
        for (int i = 0; i < times.Length; i++)
        {
            using var scope = NewDisposeScope();
            long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            forward();
            times[i] = System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }
        return Math.Round(BenchJson.Median(times[2..]), 3);
    }

    /// <summary>
    /// True when every level's output (each encoder level's skip and down-sampled tensors, the
    /// bottleneck, each decoder level) is channels-last for the model's input: a level that handed on
    /// the default layout would make the next convolution reorder it.
    /// </summary>
    private static bool EveryLevelIsChannelsLast(UNet model, Tensor x)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var modules = model.named_modules().ToDictionary(m => m.name, m => m.module);
        var outputs = new List<Tensor>();
        var h = ChannelsLast.Of(x);
        for (int i = 0; modules.TryGetValue($"enc.{i}", out var level); i++)
        {
            var (skip, down) = ((EncoderLevel)level).call(h);
            outputs.Add(skip);
            outputs.Add(h = down);
        }
        outputs.Add(h = ((ResBlock)modules["mid"]).call(h));
        // Each decoder level alone (the skip merge is an in-place add that keeps the layout).
        for (int j = 0; modules.TryGetValue($"dec.{j}", out var level); j++)
            outputs.Add(h = ((DecoderLevel)level).call(h));
        return outputs.All(ChannelsLast.Is);
    }

    private static (Tensor Input, Tensor Weight) Gradients(Tensor y, Tensor upstream, Tensor x, Tensor weight)
    {
        var grads = autograd.grad([y], [x, weight], [upstream]);
        return (grads[0], grads[1]);
    }

    /// <summary>max |a - b| / max |b|.</summary>
    private static double RelativeDifference(Tensor a, Tensor b) =>
        (a - b).abs().max().item<float>() / Math.Max(b.abs().max().item<float>(), 1e-30);

    /// <summary>
    /// layouts CONFIG [--steps N] [--dtype float32|float64] [--threads N]: trains the config's U-Net
    /// (dropout 0: masks are drawn in memory order, so they differ between layouts) for N steps in
    /// each layout from the same seed, weights and data, and prints one JSON line with both loss
    /// series, their largest relative difference, and the state that makes the comparison mean
    /// something (activations channels-last, oneDNN on, the ISA cap, each as the layout trained).
    /// </summary>
    public static int Layouts(IReadOnlyList<string> args)
    {
        var options = Options(args, "", "--steps", "--dtype", "--threads");
        string config = options.GetValueOrDefault("") ?? throw new UsageException("layouts needs a config file");
        int steps = options.TryGetValue("--steps", out var s) ? BenchArguments.ParseInt("--steps", s) : 5;
        var dtype = options.GetValueOrDefault("--dtype", "float32") switch
        {
            "float32" => ScalarType.Float32,
            "float64" => ScalarType.Float64,
            var other => throw new UsageException($"--dtype must be float32 or float64, not '{other}'"),
        };
        var pipeline = ConfigLoader.LoadFile(config);
        pipeline.Model.Dropout = 0;
        if (options.TryGetValue("--threads", out var threads)) pipeline.Training.Threads = BenchArguments.ParseInt("--threads", threads);
        TorchRuntime.SetThreads(pipeline.Training.Threads);
        int ratio = pipeline.Model.SizeRatio > 0 ? pipeline.Model.SizeRatio : 1;

        long n = pipeline.Batch.BatchSize, h = pipeline.Bench.Height, w = pipeline.Bench.Width;
        long[] xShape = pipeline.Model.Dims == 2 ? [n, 1, h, w] : [n, 1, pipeline.Bench.Frames, h, w];
        long[] yShape = pipeline.Model.Dims == 2 ? [n, 1, h * ratio, w * ratio] : [n, 1, pipeline.Bench.Frames, h * ratio, w * ratio];
        manual_seed(pipeline.Training.Seed + 1);
        using var x = rand(xShape, dtype: dtype);
        using var target = rand(yShape).lt(0.01).to(dtype);

        var losses = new Dictionary<MemoryLayout, double[]>();
        var firstWeights = new Dictionary<MemoryLayout, Tensor>();
        bool activationsChannelsLast = false;
        // As the channels-last model trained (a narrow default-layout model built after it switches oneDNN off).
        bool oneDnnOnForChannelsLast = false, isaCappedForChannelsLast = false;
        foreach (var layout in new[] { MemoryLayout.ChannelsLast, MemoryLayout.Contiguous })
        {
            manual_seed(pipeline.Training.Seed);
            using var model = new UNet(pipeline.Model, ratio, layout: layout);
            model.to(dtype);
            if (layout == MemoryLayout.ChannelsLast) activationsChannelsLast = EveryLevelIsChannelsLast(model, x);
            firstWeights[layout] = model.parameters().First().detach().clone();
            model.train();
            using var optimizer = OptimizerFactory.Create(model.parameters(), pipeline.Training);
            var series = new double[steps];
            for (int i = 0; i < steps; i++)
            {
                using var scope = NewDisposeScope();
                model.zero_grad(set_to_none: true);
                var loss = Loss.Compute(pipeline.Training.Loss, model.call(x), target, pipeline.Model.OutputActivation == OutputActivation.Sigmoid);
                loss.backward();
                optimizer.step();
                series[i] = loss.to(ScalarType.Float64).item<double>();
            }
            losses[layout] = series;
            if (layout == MemoryLayout.ChannelsLast)
                (oneDnnOnForChannelsLast, isaCappedForChannelsLast) = (!TorchRuntime.OneDnnDisabled, TorchRuntime.OneDnnIsaCapped);
        }
        var cl = losses[MemoryLayout.ChannelsLast];
        var plain = losses[MemoryLayout.Contiguous];
        double maxRel = cl.Zip(plain, (a, b) => Math.Abs(a - b) / Math.Max(Math.Abs(b), 1e-300)).Max();
        bool sameStart = firstWeights[MemoryLayout.ChannelsLast].equal(firstWeights[MemoryLayout.Contiguous]).all().item<bool>();
        foreach (var t in firstWeights.Values) t.Dispose();
        Console.WriteLine(BenchJson.Line(jw =>
        {
            jw.WriteString("config", Path.GetFileNameWithoutExtension(config));
            jw.WriteString("dtype", dtype == ScalarType.Float64 ? "float64" : "float32");
            jw.WriteNumber("steps", steps);
            jw.WriteNumber("threads", get_num_threads());
            BenchJson.WriteNumbers(jw, "losses_channels_last", cl);
            BenchJson.WriteNumbers(jw, "losses_contiguous", plain);
            jw.WriteNumber("max_rel_diff", maxRel);
            jw.WriteBoolean("same_initial_weights", sameStart);
            jw.WriteBoolean("activations_channels_last", activationsChannelsLast);
            jw.WriteBoolean("onednn_on_for_channels_last", oneDnnOnForChannelsLast);
            jw.WriteBoolean("onednn_isa_capped_for_channels_last", isaCappedForChannelsLast);
            jw.WriteBoolean("onednn_on_for_contiguous", !TorchRuntime.OneDnnDisabled);
        }));
        return cl.Concat(plain).All(double.IsFinite) ? 0 : 1;
    }

    /// <summary>The options among <paramref name="known"/> ("--raw" is a flag; "" names the one positional argument).</summary>
    private static Dictionary<string, string> Options(IReadOnlyList<string> args, params string[] known)
    {
        var options = new Dictionary<string, string>();
        foreach (var (name, value) in BenchArguments.Tokens(args, flag: a => a == "--raw"))
        {
            string key = name ?? "";
            if (!known.Contains(key)) throw new UsageException(name is null ? $"unexpected argument '{value}'" : $"unknown option '{name}'");
            if (!options.TryAdd(key, value)) throw new UsageException($"'{value}' given twice");
        }
        return options;
    }
}
