using DataPipeline.Engine.Models;
using DataPipeline.Engine.Runtime;
using static TorchSharp.torch;

namespace DataPipeline.Bench;

/// <summary>
/// dropout [--steps N] [--threads N] [--p P]: one dropout layer of the lab's network (its first
/// level's activation, 32 x 64 x 64 x 64, channels-last), forward and backward, as libtorch's
/// dropout and as <see cref="PackedDropout"/>, alternated step by step. Prints each side's median
/// and best, their ratio, and the fraction each kept (both should be 1 - p).
/// </summary>
internal static class DropoutBench
{
    public static int Run(IReadOnlyList<string> args)
    {
        int steps = 10, threads = 2;
        double p = 0.3;
        foreach (var (name, value) in BenchArguments.Tokens(args, flag: _ => false))
        {
            switch (name)
            {
                case "--steps": steps = BenchArguments.ParseInt(name, value); break;
                case "--threads": threads = BenchArguments.ParseInt(name, value); break;
                case "--p":
                    if (!double.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out p) || p is < 0 or >= 1)
                        throw new UsageException($"--p must be a probability in [0, 1), not '{value}'");
                    break;
                default: throw new UsageException(name is null ? $"unexpected argument '{value}'" : $"unknown option '{name}'");
            }
        }
        if (steps < 1 || threads < 1) throw new UsageException("--steps and --threads must be >= 1");
        TorchRuntime.SetThreads(threads);
        manual_seed(0);
        using var packed = new PackedDropout(p);
        packed.train();
        using var input = ChannelsLast.Of(randn(32, 64, 64, 64));
        using var upstream = ChannelsLast.Of(randn(32, 64, 64, 64));
        var sides = new (string Name, Func<Tensor, Tensor> Drop, List<double> Ms, List<double> Kept)[]
        {
            ("libtorch", x => nn.functional.dropout(x, p, training: true, inplace: true), [], []),
            ("packed", x => packed.call(x), [], []),
        };
        for (int step = -2; step < steps; step++)
        {
            foreach (var side in sides)
            {
                using var scope = NewDisposeScope();
                var leaf = input.detach().requires_grad_(true);
                long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                // The multiply gives dropout a non-leaf to work on in place, as in the network.
                var y = side.Drop(leaf.mul(1.0));
                y.backward([upstream]);
                double ms = System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                if (step < 0) continue;
                side.Ms.Add(ms);
                side.Kept.Add(y.ne(0).to_type(ScalarType.Float64).mean().item<double>());
            }
        }
        double Median(List<double> v) => BenchJson.Median(v.ToArray());
        foreach (var side in sides)
            Console.WriteLine($"dropout: {side.Name,-8} median {Median(side.Ms):F1} ms, best {side.Ms.Min():F1} ms, kept {side.Kept.Average():F5}");
        Console.WriteLine(BenchJson.Line(w =>
        {
            w.WriteString("bench", "datapipeline_dropout");
            w.WriteNumber("p", p);
            w.WriteNumber("threads", threads);
            w.WriteNumber("elements", input.numel());
            foreach (var side in sides)
            {
                w.WriteNumber($"{side.Name}_median_ms", Math.Round(Median(side.Ms), 2));
                w.WriteNumber($"{side.Name}_best_ms", Math.Round(side.Ms.Min(), 2));
                w.WriteNumber($"{side.Name}_kept", Math.Round(side.Kept.Average(), 6));
            }
            w.WriteNumber("packed_over_libtorch", Math.Round(Median(sides[1].Ms) / Median(sides[0].Ms), 3));
        }));
        return 0;
    }
}
