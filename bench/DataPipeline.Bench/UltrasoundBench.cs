using System.Diagnostics;
using System.Runtime.InteropServices;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Simulation;

namespace DataPipeline.Bench;

/// <summary>
/// The ultrasound mode (issue 15; no peer): simulation throughput of [simulation] psf = "ultrasound" on one
/// thread, frames/s of size x size IQ with --bubbles bubbles and --tissue tissue scatterers, and the cost per
/// scatterer from the difference with a frame that holds only the bubbles, plus the time of one frame of
/// 10,000 scatterers (bounded by the truncated kernels: cost ∝ scatterers x kernel pixels).
/// </summary>
internal static class UltrasoundBench
{
    public static int Run(IReadOnlyList<string> args)
    {
        int frames = 50, size = 128, bubbles = 30, tissue = 2000, warmup = 3;
        foreach (var (name, value) in BenchArguments.Tokens(args, _ => false))
        {
            switch (name)
            {
                case "--frames": frames = BenchArguments.ParseInt(name, value); break;
                case "--size": size = BenchArguments.ParseInt(name, value); break;
                case "--bubbles": bubbles = BenchArguments.ParseInt(name, value); break;
                case "--tissue": tissue = BenchArguments.ParseInt(name, value); break;
                case "--warmup": warmup = BenchArguments.ParseInt(name, value); break;
                default: throw new UsageException($"ultrasound: unknown argument {name ?? value}");
            }
        }
        var envAtStart = BenchJson.CaptureEnvironment();
        var loadStart = BenchJson.LoadAverage();
        SimulationSettings Settings(int b, int t) => new()
        {
            Psf = PsfKind.Ultrasound, Output = SimulationOutput.Iq, Size = size, Scatterers = new(b, b), TissueScatterers = t,
            SnrDb = 30, Seed = 1,
        };
        double full = SecondsPerFrame(new ScattererSimulator(Settings(bubbles, tissue)), frames, warmup);
        double bare = SecondsPerFrame(new ScattererSimulator(Settings(bubbles, 0)), frames, warmup);
        double dense = SecondsPerFrame(new ScattererSimulator(Settings(0, 10_000)), 3, 1);
        int kernel = new Engine.Physics.UltrasoundPsf(Engine.Physics.UltrasoundSimulator.ProbeOf(Settings(0, 0))).KernelPixels;
        double perScatterer = (full - bare) / Math.Max(tissue, 1);
        var loadEnd = BenchJson.LoadAverage();
        Console.WriteLine($"ultrasound: {size}x{size} IQ, {bubbles} bubbles + {tissue} tissue: {1 / full:F1} frames/s; " +
                          $"{perScatterer * 1e6:F2} us per scatterer ({kernel} kernel pixels, {perScatterer * 1e9 / kernel:F2} ns per pixel); " +
                          $"10,000 scatterers: {dense * 1e3:F1} ms per frame");
        Console.WriteLine(BenchJson.Line(w =>
        {
            w.WriteString("bench", "datapipeline_ultrasound");
            w.WriteString("impl", "csharp");
            w.WriteNumber("size", size);
            w.WriteNumber("bubbles", bubbles);
            w.WriteNumber("tissue_scatterers", tissue);
            w.WriteNumber("frames", frames);
            w.WriteNumber("frames_per_second", Math.Round(1 / full, 2));
            w.WriteNumber("ms_per_frame", BenchJson.Ms(full));
            w.WriteNumber("us_per_scatterer", Math.Round(perScatterer * 1e6, 3));
            w.WriteNumber("kernel_pixels", kernel);
            w.WriteNumber("ms_per_frame_10000_scatterers", BenchJson.Ms(dense));
            w.WriteString("dotnet_version", RuntimeInformation.FrameworkDescription);
            w.WriteNumber("cpu_count", Environment.ProcessorCount);
            BenchJson.WriteEnvironment(w, envAtStart);
            BenchJson.WriteLoadAndTime(w, loadStart, loadEnd);
        }));
        return 0;
    }

    /// <summary>Median seconds per frame of <paramref name="frames"/> frames rendered one by one on this thread.</summary>
    private static double SecondsPerFrame(ScattererSimulator simulator, int frames, int warmup)
    {
        for (int i = 0; i < warmup; i++) simulator.Render(i);
        var seconds = new double[frames];
        for (int i = 0; i < frames; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            simulator.Render(warmup + i);
            seconds[i] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        }
        return BenchJson.Median(seconds);
    }
}
