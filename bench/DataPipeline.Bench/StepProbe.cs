using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace DataPipeline.Bench;

/// <summary>
/// What one timed step cost besides wall time, in counts that do not depend on how loaded the
/// machine is (issue 13, "our steps are erratic"): garbage collections and their pause, managed
/// bytes allocated by the stepping thread, page faults, CPU time, involuntary context switches and
/// the threads that ran. Wall time alone cannot tell a step that did more work from a step that
/// waited for a core; CPU time against wall time (and nivcsw) can.
/// </summary>
/// <remarks>
/// <see cref="Begin"/> reads /proc before the clock starts and <see cref="End"/> after it stops, so
/// the probe's own file reads and allocations stay outside both the timed window and the
/// allocated-bytes bracket (which is innermost).
/// </remarks>
internal sealed class StepProbe
{
    private readonly List<Sample> _samples = [];
    private readonly Dictionary<string, long> _ticksByThreadName = [];
    private Snapshot _before;
    private Dictionary<int, (string Name, long Ticks)> _threadsBefore = [];

    private readonly record struct Snapshot(
        int Gen0, int Gen1, int Gen2, TimeSpan GcPause, long Allocated,
        long MinorFaults, long MajorFaults, long CpuMicros, long InvoluntarySwitches);

    /// <summary>One step's deltas.</summary>
    public readonly record struct Sample(
        double WallSeconds, int Gen0, int Gen1, int Gen2, double GcPauseMs, long AllocatedBytes,
        long MinorFaults, long MajorFaults, double CpuMs, long InvoluntarySwitches, int ThreadsThatRan);

    public IReadOnlyList<Sample> Samples => _samples;

    /// <summary>Call just before the step's clock starts.</summary>
    public void Begin()
    {
        _threadsBefore = ReadThreads();
        var usage = Usage();
        // Innermost: nothing the probe does after this is counted against the step.
        _before = new Snapshot(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2),
            GC.GetTotalPauseDuration(), GC.GetAllocatedBytesForCurrentThread(),
            usage.MinorFaults, usage.MajorFaults, usage.CpuMicros, usage.InvoluntarySwitches);
    }

    /// <summary>Call just after the step's clock stops, with the step's wall time.</summary>
    public void End(double wallSeconds)
    {
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        var pause = GC.GetTotalPauseDuration();
        int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
        var usage = Usage();
        var threadsAfter = ReadThreads();

        int ran = 0;
        foreach (var (tid, (name, ticks)) in threadsAfter)
        {
            long delta = ticks - (_threadsBefore.TryGetValue(tid, out var b) ? b.Ticks : 0);
            if (delta <= 0) continue;
            ran++;
            _ticksByThreadName[name] = _ticksByThreadName.GetValueOrDefault(name) + delta;
        }
        _samples.Add(new Sample(wallSeconds,
            gen0 - _before.Gen0, gen1 - _before.Gen1, gen2 - _before.Gen2,
            (pause - _before.GcPause).TotalMilliseconds, allocated - _before.Allocated,
            usage.MinorFaults - _before.MinorFaults, usage.MajorFaults - _before.MajorFaults,
            (usage.CpuMicros - _before.CpuMicros) / 1e3, usage.InvoluntarySwitches - _before.InvoluntarySwitches, ran));
    }

    /// <summary>
    /// The per-step arrays and their summary under "steps_probe": which counts moved, and the
    /// CPU-time spread beside the wall-time spread (a wide wall spread over a narrow CPU spread is
    /// the machine, not the step).
    /// </summary>
    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject("steps_probe");
        BenchJson.WriteNumbers(w, "cpu_ms", _samples.Select(s => Math.Round(s.CpuMs, 1)));
        BenchJson.WriteNumbers(w, "cpu_per_wall", _samples.Select(s => Math.Round(s.CpuMs / 1e3 / s.WallSeconds, 2)));
        BenchJson.WriteNumbers(w, "nivcsw", _samples.Select(s => (double)s.InvoluntarySwitches));
        BenchJson.WriteNumbers(w, "minflt", _samples.Select(s => (double)s.MinorFaults));
        BenchJson.WriteNumbers(w, "majflt", _samples.Select(s => (double)s.MajorFaults));
        BenchJson.WriteNumbers(w, "alloc_bytes", _samples.Select(s => (double)s.AllocatedBytes));
        BenchJson.WriteNumbers(w, "gc0", _samples.Select(s => (double)s.Gen0));
        BenchJson.WriteNumbers(w, "gc1", _samples.Select(s => (double)s.Gen1));
        BenchJson.WriteNumbers(w, "gc2", _samples.Select(s => (double)s.Gen2));
        BenchJson.WriteNumbers(w, "gc_pause_ms", _samples.Select(s => Math.Round(s.GcPauseMs, 3)));
        BenchJson.WriteNumbers(w, "threads_ran", _samples.Select(s => (double)s.ThreadsThatRan));
        var cpu = _samples.Select(s => s.CpuMs).ToArray();
        double cpuMedian = BenchJson.Median(cpu);
        w.WriteNumber("cpu_median_ms", Math.Round(cpuMedian, 1));
        w.WriteNumber("cpu_min_ms", Math.Round(cpu.Min(), 1));
        w.WriteNumber("cpu_spread_p90_median", Math.Round(StepStatistics.P90(cpu) / cpuMedian, 3));
        w.WriteNumber("alloc_bytes_median", BenchJson.Median(_samples.Select(s => (double)s.AllocatedBytes).ToArray()));
        w.WriteNumber("minflt_median", BenchJson.Median(_samples.Select(s => (double)s.MinorFaults).ToArray()));
        w.WriteNumber("gc_total", _samples.Sum(s => s.Gen0));
        w.WriteNumber("gc_pause_total_ms", Math.Round(_samples.Sum(s => s.GcPauseMs), 3));
        w.WriteNumber("nivcsw_total", _samples.Sum(s => s.InvoluntarySwitches));
        // CPU seconds per thread name over the timed steps: shows whether anything but libtorch's
        // workers (the .NET GC, the tiered JIT, a stray timer) took a core.
        w.WriteStartObject("cpu_s_by_thread");
        foreach (var (name, ticks) in _ticksByThreadName.OrderByDescending(p => p.Value))
            w.WriteNumber(name, Math.Round(ticks / (double)ClockTicksPerSecond, 2));
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private const int ClockTicksPerSecond = 100; // USER_HZ on Linux (sysconf(_SC_CLK_TCK)) everywhere it runs

    [StructLayout(LayoutKind.Sequential)]
    private struct RUsage
    {
        public long UtimeSec, UtimeUsec, StimeSec, StimeUsec;
        public long MaxRss, IxRss, IdRss, IsRss, MinFlt, MajFlt, NSwap, InBlock, OuBlock, MsgSnd, MsgRcv, NSignals, NvCsw, NivCsw;
    }

    [DllImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    private static extern int GetRUsage(int who, out RUsage usage);

    /// <summary>Whole-process counters from getrusage(RUSAGE_SELF): microsecond CPU time, faults, switches.</summary>
    private static (long MinorFaults, long MajorFaults, long CpuMicros, long InvoluntarySwitches) Usage()
    {
        if (!OperatingSystem.IsLinux() || GetRUsage(0, out var u) != 0) return (0, 0, 0, 0);
        long cpu = (u.UtimeSec + u.StimeSec) * 1_000_000 + u.UtimeUsec + u.StimeUsec;
        return (u.MinFlt, u.MajFlt, cpu, u.NivCsw);
    }

    /// <summary>Each thread's name and utime+stime in clock ticks, from /proc/self/task/*/stat.</summary>
    private static Dictionary<int, (string Name, long Ticks)> ReadThreads()
    {
        var threads = new Dictionary<int, (string, long)>();
        if (!OperatingSystem.IsLinux()) return threads;
        foreach (string dir in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                // "tid (comm) state ..." : comm may hold spaces and parentheses, so split at the last ')'.
                int open = stat.IndexOf('('), close = stat.LastIndexOf(')');
                string name = stat[(open + 1)..close];
                var fields = stat[(close + 2)..].Split(' ');
                // After comm: state is field 3, utime 14 and stime 15 (proc(5)), so indices 11 and 12 here.
                long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                threads[int.Parse(Path.GetFileName(dir), CultureInfo.InvariantCulture)] = (name, ticks);
            }
            catch (IOException)
            {
                // The thread ended between the listing and the read.
            }
        }
        return threads;
    }
}

/// <summary>The summary each train/infer run prints: median, best, spread and achieved GFLOP/s.</summary>
internal static class StepStatistics
{
    /// <summary>
    /// FLOPs per step of the peers' configs, counted with PyTorch's FlopCounterMode (issue 13); the
    /// key is the config file's name, null for any other config.
    /// </summary>
    private static readonly Dictionary<string, (double Train, double Infer)> GigaFlopsPerStep = new()
    {
        ["unet2d-small"] = (11.86, 3.95),
        ["unet3d-small"] = (5.98, 1.99),
        ["unet2d-seed"] = (365.7, 121.9),
    };

    public static double? GigaFlops(string configPath, string mode) =>
        GigaFlopsPerStep.TryGetValue(Path.GetFileNameWithoutExtension(configPath), out var f)
            ? (mode == "train" ? f.Train : f.Infer)
            : null;

    /// <summary>The 90th percentile by linear interpolation (numpy's default), as the peers would compute it.</summary>
    public static double P90(double[] values)
    {
        var sorted = values.Order().ToArray();
        double rank = 0.9 * (sorted.Length - 1);
        int low = (int)Math.Floor(rank);
        int high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + (rank - low) * (sorted[high] - sorted[low]);
    }

    public static void Write(Utf8JsonWriter w, double[] seconds, string configPath, string mode)
    {
        double median = BenchJson.Median(seconds), best = seconds.Min();
        w.WriteStartObject("summary");
        w.WriteNumber("median_ms", BenchJson.Ms(median));
        w.WriteNumber("best_ms", BenchJson.Ms(best));
        w.WriteNumber("spread_p90_median", Math.Round(P90(seconds) / median, 3));
        w.WriteNumber("median_over_best", Math.Round(median / best, 3));
        if (GigaFlops(configPath, mode) is double gflop)
        {
            w.WriteNumber("gflop_per_step", gflop);
            w.WriteNumber("gflops_median", Math.Round(gflop / median, 2));
            w.WriteNumber("gflops_best", Math.Round(gflop / best, 2));
        }
        else
        {
            w.WriteNull("gflop_per_step");
        }
        w.WriteEndObject();
    }
}
