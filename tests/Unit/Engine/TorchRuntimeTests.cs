using System.Runtime.InteropServices;
using DataPipeline.Engine.Runtime;
using Xunit;

namespace DataPipeline.Tests.Engine;

public class TorchRuntimeTests
{
    [Fact]
    public void AnOldLibstdcxxIsNamedWithTheCommandThatFixesIt()
    {
        var failure = new TypeInitializationException("TorchSharp.torch",
            new DllNotFoundException("libLibTorchSharp.so: /lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.32' not found"));
        string message = TorchRuntime.Explain(failure, "/lib/x86_64-linux-gnu/libstdc++.so.6");
        Assert.Contains("/lib/x86_64-linux-gnu/libstdc++.so.6 lacks GLIBCXX_3.4.32", message);
        Assert.Contains("sudo bash tools/install-prerequisites.sh", message);
        Assert.Contains("version `GLIBCXX_3.4.32' not found", message); // the loader's own words, innermost exception
    }

    [Fact]
    public void OtherLoadFailuresStillSayWhatToCheck()
    {
        string message = TorchRuntime.Explain(new DllNotFoundException("libtorch_cpu.so: cannot open shared object file"), null);
        Assert.Contains("native libraries", message);
        Assert.Contains("libtorch_cpu.so: cannot open shared object file", message);
    }

    [Fact]
    public void ThisMachineHasTheFixedLibstdcxx()
    {
        // tools/install-prerequisites.sh ran before the tests (README, .ci/run).
        if (OperatingSystem.IsLinux()) Assert.Null(TorchRuntime.MissingGlibcxx());
        TorchRuntime.EnsureLoaded();
    }

    [Fact]
    public void TheThreadCountIsOneForTheWholeProcess()
    {
        // Why Invoke-TrainingSweep -ThrottleLimit gives every run the same share of the cores: a count
        // set on one thread is the count every thread sees (at::set_num_threads in libtorch 2.10).
        int before = TorchSharp.torch.get_num_threads();
        int seenByFirst = 0;
        try
        {
            using var firstSet = new ManualResetEventSlim();
            using var secondSet = new ManualResetEventSlim();
            var first = new Thread(() =>
            {
                TorchRuntime.SetThreads(1);
                firstSet.Set();
                secondSet.Wait();
                seenByFirst = TorchSharp.torch.get_num_threads();
            });
            var second = new Thread(() =>
            {
                firstSet.Wait();
                TorchRuntime.SetThreads(3);
                secondSet.Set();
            });
            first.Start();
            second.Start();
            first.Join();
            second.Join();
        }
        finally
        {
            TorchRuntime.SetThreads(before);
        }
        Assert.Equal(3, seenByFirst);
    }

    [Fact]
    public void DevicesResolveOrExplain()
    {
        Assert.Equal("cpu", TorchRuntime.ResolveDevice("cpu").ToString());
        Assert.Equal("cpu", TorchRuntime.ResolveDevice("CPU").ToString());
        Assert.Contains("Unknown device", Assert.Throws<ArgumentException>(() => TorchRuntime.ResolveDevice("tpu")).Message);
        if (!TorchRuntime.CudaAvailable)
        {
            Assert.Equal("cpu", TorchRuntime.ResolveDevice("auto").ToString());
            Assert.Contains("-p:TorchBackend=cuda-linux", Assert.Throws<ArgumentException>(() => TorchRuntime.ResolveDevice("cuda:0")).Message);
        }
    }
    [StructLayout(LayoutKind.Sequential)]
    private struct RUsage
    {
        public long UtimeSec, UtimeUsec, StimeSec, StimeUsec;
        public long MaxRss, IxRss, IdRss, IsRss, MinFlt, MajFlt, NSwap, InBlock, OuBlock, MsgSnd, MsgRcv, NSignals, NvCsw, NivCsw;
    }

    [DllImport("libc", EntryPoint = "getrusage")]
    private static extern int GetRUsage(int who, out RUsage usage);

    /// <summary>Minor page faults taken by the calling thread so far (getrusage RUSAGE_THREAD).</summary>
    private static long ThreadMinorFaults()
    {
        const int RUSAGE_THREAD = 1;
        Assert.Equal(0, GetRUsage(RUSAGE_THREAD, out var usage));
        return usage.MinFlt;
    }

    [Fact]
    public void ABlockOverTheMmapThresholdIsNotFaultedInAgainOnEveryStep()
    {
        // Issue 13: glibc maps every block over 32 MiB fresh and the kernel faults each of its pages
        // in again, on every training step (160,000+ faults per unet2d-seed step). After EnsureLoaded
        // such a block comes back from the heap: the second round touches pages that are already there.
        if (!OperatingSystem.IsLinux()) return;
        TorchRuntime.EnsureLoaded();
        const int bytes = 48 * 1024 * 1024, page = 4096;
        long[] faults = new long[2];
        for (int round = 0; round < 2; round++)
        {
            long before = ThreadMinorFaults();
            // On Unix AllocHGlobal is glibc's malloc, the allocator libtorch's CPU tensors come from.
            IntPtr block = Marshal.AllocHGlobal(bytes);
            try
            {
                for (int offset = 0; offset < bytes; offset += page) Marshal.WriteByte(block, offset, 1);
            }
            finally
            {
                Marshal.FreeHGlobal(block);
            }
            faults[round] = ThreadMinorFaults() - before;
        }
        Assert.True(faults[1] < bytes / page / 10,
            $"minor faults per round: {faults[0]}, then {faults[1]} (a freshly mapped block takes {bytes / page})");
    }
}
