using System.Diagnostics;
using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Runtime;
using DataPipeline.Engine.Simulation;
using DataPipeline.Engine.Training;
using TorchSharp;
using static TorchSharp.torch;
using Optimizers = DataPipeline.Engine.Training.Optimizers;

namespace DataPipeline.Bench;

/// <summary>
/// The soak mode's command line: --steps per target (default 100,000), --targets (a comma list of
/// <see cref="SoakBench.Targets"/>, default every one of ours), --no-gc (the same loop without the
/// collecting thread, the control), --max-failures (a target stops after this many, default 10).
/// </summary>
internal sealed record SoakArguments(int Steps, string[] Targets, bool Collect, int MaxFailures)
{
    public static SoakArguments Parse(IReadOnlyList<string> args)
    {
        int steps = 100_000, maxFailures = 10;
        string[] targets = SoakBench.Ours;
        bool collect = true;
        foreach (var (name, value) in BenchArguments.Tokens(args, flag: a => a == "--no-gc"))
        {
            switch (name)
            {
                case "--steps": steps = BenchArguments.ParseInt(name, value); break;
                case "--max-failures": maxFailures = BenchArguments.ParseInt(name, value); break;
                case "--no-gc": collect = false; break;
                case "--targets":
                    targets = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    foreach (var t in targets)
                        if (!SoakBench.Targets.Contains(t))
                            throw new UsageException($"unknown target '{t}': one of {string.Join(", ", SoakBench.Targets)}");
                    break;
                default: throw new UsageException(name is null ? $"unexpected argument '{value}'" : $"unknown option '{name}'");
            }
        }
        if (steps < 1 || maxFailures < 1) throw new UsageException("--steps and --max-failures must be >= 1");
        return new SoakArguments(steps, targets, collect, maxFailures);
    }
}

/// <summary>
/// Training steps under garbage-collection pressure (issue 12): a second thread runs
/// GC.Collect(); GC.WaitForPendingFinalizers(); in a tight loop, which is what frees a TorchSharp
/// Scalar made implicitly from a number while libtorch still reads it. Each target trains for
/// --steps steps and reports how many it survived and its failures: each of DataPipeline's
/// optimizers on a small conv net, the real Trainer on a tiny U-Net, and TorchSharp's own
/// torch.optim.Adam (torchsharp-adam, the "before" figure: not among the default targets).
/// </summary>
internal static class SoakBench
{
    public static readonly string[] Ours = ["adam", "adamw", "sgd", "sgd-nesterov", "rmsprop", "adadelta", "trainer"];
    public static readonly string[] Targets = [.. Ours, "torchsharp-adam"];

    private sealed record Outcome(string Target, int Steps, int Failures, int? FirstFailureStep, string? FirstFailure, double Seconds);

    public static int Run(SoakArguments args)
    {
        TorchRuntime.EnsureLoaded();
        set_num_threads(1);
        var environment = BenchJson.CaptureEnvironment();
        var outcomes = new List<Outcome>();
        foreach (var target in args.Targets)
        {
            using var pressure = args.Collect ? new CollectorThread() : null;
            var outcome = target == "trainer" ? SoakTrainer(args) : SoakOptimizer(target, args);
            outcomes.Add(outcome);
            Console.Error.WriteLine($"soak: {target}: {outcome.Steps} steps, {outcome.Failures} failures, {outcome.Steps / outcome.Seconds:F0} steps/s, " +
                                    $"{pressure?.Collections ?? 0} collections" + (outcome.FirstFailure is null ? "" : $"; first at step {outcome.FirstFailureStep}: {outcome.FirstFailure}"));
        }
        Console.WriteLine(BenchJson.Line(w =>
        {
            w.WriteString("mode", "soak");
            w.WriteBoolean("gc_thread", args.Collect);
            w.WriteNumber("steps_per_target", args.Steps);
            w.WriteStartArray("targets");
            foreach (var o in outcomes)
            {
                w.WriteStartObject();
                w.WriteString("target", o.Target);
                w.WriteNumber("steps", o.Steps);
                w.WriteNumber("failures", o.Failures);
                if (o.FirstFailureStep is { } at) w.WriteNumber("first_failure_step", at);
                if (o.FirstFailure is { } message) w.WriteString("first_failure", message);
                w.WriteNumber("seconds", Math.Round(o.Seconds, 2));
                w.WriteNumber("steps_per_s", Math.Round(o.Steps / o.Seconds, 1));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteString("utc", BenchJson.Utc());
            BenchJson.WriteEnvironment(w, environment);
        }));
        return outcomes.Any(o => o.Target != "torchsharp-adam" && o.Failures > 0) ? 1 : 0;
    }

    /// <summary>A 3-layer conv net on 2x1x8x8 batches: small, so 100,000 steps take a minute or two.</summary>
    private static Outcome SoakOptimizer(string target, SoakArguments args)
    {
        manual_seed(1);
        using var net = nn.Sequential(nn.Conv2d(1, 4, 3, padding: 1), nn.ReLU(), nn.Conv2d(4, 4, 3, padding: 1), nn.ReLU(), nn.Conv2d(4, 1, 1));
        using var x = rand(2, 1, 8, 8);
        using var y = rand(2, 1, 8, 8);
        Action zeroGrad, step;
        IDisposable optimizer;
        if (target == "torchsharp-adam")
        {
            var adam = optim.Adam(net.parameters(), 1e-3);
            (zeroGrad, step, optimizer) = (adam.zero_grad, () => adam.step(), adam);
        }
        else
        {
            var ours = Create(target, net);
            (zeroGrad, step, optimizer) = (ours.zero_grad, ours.step, ours);
        }
        using (optimizer)
        {
            return Loop(target, args, () =>
            {
                using var scope = NewDisposeScope();
                zeroGrad();
                nn.functional.mse_loss(net.call(x), y).backward();
                step();
            });
        }
    }

    private static Optimizers.Optimizer Create(string target, nn.Module net) => target switch
    {
        "adam" => new Optimizers.Adam(net.parameters(), 1e-3, weightDecay: 1e-4),
        "adamw" => new Optimizers.AdamW(net.parameters(), 1e-3),
        "sgd" => new Optimizers.Sgd(net.parameters(), 1e-2, momentum: 0.9, dampening: 0.1, weightDecay: 1e-4),
        "sgd-nesterov" => new Optimizers.Sgd(net.parameters(), 1e-2, momentum: 0.9, nesterov: true),
        "rmsprop" => new Optimizers.RmsProp(net.parameters(), 1e-3, momentum: 0.5, centered: true, weightDecay: 1e-4),
        "adadelta" => new Optimizers.Adadelta(net.parameters(), 1.0, weightDecay: 1e-4),
        _ => throw new UsageException($"unknown target '{target}'"),
    };

    private static Outcome Loop(string target, SoakArguments args, Action step)
    {
        int failures = 0;
        int? firstAt = null;
        string? first = null;
        var clock = Stopwatch.StartNew();
        int done = 0;
        for (; done < args.Steps && failures < args.MaxFailures; done++)
        {
            try
            {
                step();
            }
            catch (Exception e)
            {
                failures++;
                firstAt ??= done + 1;
                first ??= FirstLine(e);
            }
        }
        return new Outcome(target, done, failures, firstAt, first, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// The real Trainer on a tiny U-Net (filters 2, depth 1, leaky ReLU, batch norm, add skips,
    /// bce+dice so the losses' arithmetic runs too) over 64 simulated 16x16 frames in batches of 4:
    /// 16 steps an epoch, as many epochs as --steps needs. A failed step ends the run, so this
    /// target reports at most one failure.
    /// </summary>
    private static Outcome SoakTrainer(SoakArguments args)
    {
        var config = new PipelineConfig();
        config.Model.Filters = 2;
        config.Model.Depth = 1;
        config.Training.Loss = LossKind.BceDice;
        config.Training.Threads = 1;
        config.Training.Checkpoint = CheckpointPolicy.None;
        config.Training.LocalisationEvery = 0;
        config.Training.Monitor = "loss";
        config.Batch.BatchSize = 4;
        config.Batch.ValidationFraction = 0;
        config.Batch.Workers = 1;
        var frames = new ScattererSimulator(new SimulationSettings { Size = 16, SizeRatio = 1, Seed = 3 }).Generate(0, 64).ToList();
        var generator = new BatchGenerator(frames, config.Batch);
        int perEpoch = generator.TrainingBatchesPerEpoch;
        config.Training.Epochs = (args.Steps + perEpoch - 1) / perEpoch;
        string output = Directory.CreateTempSubdirectory("dp-soak-").FullName;
        int steps = 0;
        var clock = Stopwatch.StartNew();
        try
        {
            var run = new Trainer(config).Run(generator, output, p => { if (p.Phase == "training") steps++; });
            return run.Status == TrainingStatus.Completed
                ? new Outcome("trainer", steps, 0, null, null, clock.Elapsed.TotalSeconds)
                : new Outcome("trainer", steps, 1, steps + 1, $"{run.Status}: {run.Message}", clock.Elapsed.TotalSeconds);
        }
        catch (Exception e)
        {
            return new Outcome("trainer", steps, 1, steps + 1, FirstLine(e), clock.Elapsed.TotalSeconds);
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    /// <summary>The exception's first line for the JSON; its stack goes to stderr, to find the call that failed.</summary>
    private static string FirstLine(Exception e)
    {
        Console.Error.WriteLine($"soak: failure: {e.GetType().Name}: {e.Message.Split('\n')[0].Trim()}\n{e.StackTrace}");
        return $"{e.GetType().Name}: {e.Message.Split('\n')[0].Trim()}";
    }

    /// <summary>The GC-pressure thread: full blocking collections and finalizer runs, back to back.</summary>
    private sealed class CollectorThread : IDisposable
    {
        private readonly Thread _thread;
        private volatile bool _stop;

        public CollectorThread()
        {
            _thread = new Thread(() =>
            {
                while (!_stop)
                {
                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                    Collections++;
                }
            }) { IsBackground = true, Name = "soak GC pressure" };
            _thread.Start();
        }

        public long Collections { get; private set; }

        public void Dispose()
        {
            _stop = true;
            _thread.Join();
        }
    }
}
