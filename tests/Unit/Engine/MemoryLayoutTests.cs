using System.Diagnostics;
using System.Text.Json;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Models;
using DataPipeline.Engine.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace DataPipeline.Tests.Engine;

/// <summary>
/// The U-Net runs channels-last on the CPU, with its 1x1 convolutions as matrix products (issue 13).
/// Whatever could kill the test host (oneDNN's SIGFPE) or depends on process-wide oneDNN state runs
/// in a child process: bench/DataPipeline.Bench's conv1x1 and layouts modes.
/// </summary>
public class MemoryLayoutTests
{
    public MemoryLayoutTests() => TorchRuntime.EnsureLoaded();

    private static ModelSettings Model(string bench) =>
        ConfigLoader.LoadFile(Path.Combine(SharedPaths.BenchConfigs, bench + ".toml")).Model;

    [Theory]
    [InlineData("unet2d-small")]
    [InlineData("unet3d-small")]
    public void BothLayoutsHaveTheSameParametersNamesAndLayerTable(string bench)
    {
        var settings = Model(bench);
        manual_seed(3);
        using var channelsLast = new UNet(settings, settings.SizeRatio, layout: MemoryLayout.ChannelsLast);
        manual_seed(3);
        using var contiguous = new UNet(settings, settings.SizeRatio, layout: MemoryLayout.Contiguous);
        var a = channelsLast.named_parameters().ToList();
        var b = contiguous.named_parameters().ToList();
        Assert.Equal(b.Select(p => p.name), a.Select(p => p.name));
        // Same seed, same numbers: PointwiseConv draws its initial weights as Conv2d/Conv3d do.
        Assert.All(a.Zip(b), pair => Assert.True(pair.First.parameter.contiguous().equal(pair.Second.parameter).all().item<bool>(), pair.First.name));
        Assert.Equal(contiguous.LayerTable(), channelsLast.LayerTable());
    }

    [Theory]
    [InlineData(new long[] { 2, 1, 3, 4 })]
    [InlineData(new long[] { 2, 5, 3, 4 })]
    [InlineData(new long[] { 2, 1, 2, 3, 4 })]
    [InlineData(new long[] { 2, 5, 2, 3, 4 })]
    public void ChannelsLastHasPyTorchsStrides(long[] shape)
    {
        // torch.rand(shape).to(memory_format=torch.channels_last[_3d]).stride(), PyTorch 1.13, for C = 1 as well.
        long c = shape[1];
        long[] expected = shape.Length == 4
            ? [shape[2] * shape[3] * c, 1, shape[3] * c, c]
            : [shape[2] * shape[3] * shape[4] * c, 1, shape[3] * shape[4] * c, shape[4] * c, c];
        using var scope = NewDisposeScope();
        var x = rand(shape);
        var y = ChannelsLast.Of(x);
        Assert.Equal(expected, y.stride());
        Assert.True(y.equal(x).all().item<bool>());
        Assert.Equal(y.stride(), ChannelsLast.Of(y).stride());
    }

    [Fact]
    public void ACheckpointIsTheSameBytesInEitherLayoutAndLoadsAcrossThem()
    {
        var settings = Model("unet2d-small");
        manual_seed(5);
        using var channelsLast = new UNet(settings, 2, layout: MemoryLayout.ChannelsLast);
        manual_seed(5);
        using var contiguous = new UNet(settings, 2, layout: MemoryLayout.Contiguous);
        byte[] Save(UNet model)
        {
            using var stream = new MemoryStream();
            using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) model.save(writer);
            return stream.ToArray();
        }
        byte[] saved = Save(channelsLast);
        Assert.Equal(Save(contiguous), saved);

        manual_seed(6);
        using var loaded = new UNet(settings, 2, layout: MemoryLayout.ChannelsLast);
        using (var reader = new BinaryReader(new MemoryStream(saved))) loaded.load(reader);
        using var scope = NewDisposeScope();
        var x = rand(2, 1, 32, 32);
        contiguous.eval();
        loaded.eval();
        using var _ = no_grad();
        var expected = contiguous.call(x);
        Assert.True(loaded.call(x).allclose(expected, rtol: 1e-4, atol: 1e-5));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void PointwiseConvComputesTheConvolutionItStandsFor(int dims)
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        using var conv = new PointwiseConv(6, 5, dims, gemm: true);
        long[] shape = dims == 3 ? [2, 6, 3, 4, 5] : [2, 6, 4, 5];
        var x = rand(shape, dtype: ScalarType.Float64);
        conv.to(ScalarType.Float64);
        var expected = dims == 3 ? nn.functional.conv3d(x, conv.weight, conv.bias) : nn.functional.conv2d(x, conv.weight, conv.bias);
        // Hand-computed too: out[n, o, ...] = sum_i w[o, i] x[n, i, ...] + b[o].
        var byHand = einsum(dims == 3 ? "oi,nitHW->notHW" : "oi,niHW->noHW", conv.weight.flatten(1), x)
            + conv.bias!.view(dims == 3 ? [1, 5, 1, 1, 1] : [1, 5, 1, 1]);
        var y = conv.call(ChannelsLast.Of(x));
        Assert.True(ChannelsLast.Is(y));
        Assert.True(y.allclose(expected, rtol: 1e-12, atol: 1e-12));
        Assert.True(y.allclose(byHand, rtol: 1e-12, atol: 1e-12));
        Assert.Equal(dims == 3 ? new long[] { 5, 6, 1, 1, 1 } : new long[] { 5, 6, 1, 1 }, conv.weight.shape);
    }

    [Fact]
    public void TheOneByOneConvolutionsThatCrashedOneDnnRunInAChildProcess()
    {
        // libtorch 2.10's oneDNN killed the process with SIGFPE on these channels-last shapes
        // (512->2048 and 256->1024 at 8x8); run in a child so that a crash fails this test only.
        var (exitCode, lines) = Bench("conv1x1", "--threads", "2");
        Assert.True(exitCode == 0, $"bench conv1x1 exited {exitCode} (136 is SIGFPE):\n{string.Join('\n', lines)}");
        Assert.Equal("conv1x1: ok", lines[^1]);
        var results = lines.Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Contains(results, r => r.GetProperty("shape").GetString() == "32x512->2048 at 8x8");
        Assert.Contains(results, r => r.GetProperty("shape").GetString() == "32x256->1024 at 8x8");
        Assert.All(results, r =>
        {
            Assert.True(r.GetProperty("output_channels_last").GetBoolean());
            foreach (var key in new[] { "output_rel_diff", "inference_rel_diff", "input_grad_rel_diff", "weight_grad_rel_diff" })
                Assert.InRange(r.GetProperty(key).GetDouble(), 0, 1e-5);
        });
    }

    /// <summary>
    /// Measured: float64 losses agree to 3e-15 (oneDNN takes no float64, so this checks the layout,
    /// the matrix products and the shuffles alone); float32 (oneDNN's kernels, other summation
    /// orders) drifted by up to 2e-5 over 4 Adam steps. The bounds are 1e-12 and 2e-4.
    /// </summary>
    /// <remarks>
    /// Every level's output must be channels-last, except in 3-D float64: libtorch's native 3-D
    /// convolution (oneDNN has no float64) returns the default layout.
    /// </remarks>
    [Theory]
    [InlineData("unet2d-small", "float64", 1e-12, true)]
    [InlineData("unet3d-small", "float64", 1e-12, false)]
    [InlineData("unet2d-small", "float32", 2e-4, true)]
    [InlineData("unet3d-small", "float32", 2e-4, true)]
    public void TrainingLossesAgreeAcrossLayouts(string bench, string dtype, double bound, bool channelsLastThroughout)
    {
        var (exitCode, lines) = Bench("layouts", Path.Combine(SharedPaths.BenchConfigs, bench + ".toml"), "--dtype", dtype, "--steps", "4", "--threads", "2");
        Assert.True(exitCode == 0, $"bench layouts exited {exitCode}:\n{string.Join('\n', lines)}");
        var r = JsonDocument.Parse(lines[^1]).RootElement;
        // What makes the comparison mean something: same start, channels-last activations, oneDNN on.
        Assert.True(r.GetProperty("same_initial_weights").GetBoolean(), lines[^1]);
        Assert.Equal(channelsLastThroughout, r.GetProperty("activations_channels_last").GetBoolean());
        Assert.True(r.GetProperty("onednn_on_for_channels_last").GetBoolean(), lines[^1]);
        var a = r.GetProperty("losses_channels_last").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var b = r.GetProperty("losses_contiguous").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(4, a.Length);
        Assert.True(a[^1] < a[0], "the losses fall: the steps trained");
        for (int i = 0; i < a.Length; i++)
            Assert.True(Math.Abs(a[i] - b[i]) <= bound * Math.Abs(b[i]), $"step {i}: {a[i]} (channels-last) against {b[i]}");
    }

    [Fact]
    public void ANarrowDefaultLayoutNetworkStillGetsFiniteGradients()
    {
        // The NaN-gradient guard for the blocked layouts (TorchRuntime.PrepareConvolutions): 8 filters,
        // 2 threads, whatever ISA an earlier channels-last network in this process left oneDNN at.
        var settings = Model("unet3d-small");
        TorchRuntime.SetThreads(2);
        for (int attempt = 0; attempt < 5; attempt++)
        {
            manual_seed(attempt);
            using var model = new UNet(settings, settings.SizeRatio, layout: MemoryLayout.Contiguous);
            using var scope = NewDisposeScope();
            model.call(rand(new long[] { 2, 1, 3, 8, 8 })).mean().backward();
            Assert.All(model.parameters(), p => Assert.True(p.grad is not null && p.grad.isfinite().all().item<bool>()));
        }
        Assert.True(TorchRuntime.OneDnnIsaCapped || TorchRuntime.OneDnnDisabled || !OperatingSystem.IsLinux() || !File.ReadAllText("/proc/cpuinfo").Contains(" avx512f"),
            "an 8-filter default-layout network on an AVX-512 CPU runs with oneDNN capped at AVX2 or off");
    }

    /// <summary>Runs bench/DataPipeline.Bench (built by this project's build) and returns its exit code and stdout lines.</summary>
    internal static (int ExitCode, string[] Lines) Bench(params string[] args)
    {
        string program = SharedPaths.SiblingBuildOutput(Path.Combine("bench", "DataPipeline.Bench"), "net10.0", "DataPipeline.Bench");
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return (process.ExitCode, process.ExitCode == 0 ? lines : [.. lines, .. stderr.Result.Split('\n')]);
    }
}
