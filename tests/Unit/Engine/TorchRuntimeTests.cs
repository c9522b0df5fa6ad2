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
}
