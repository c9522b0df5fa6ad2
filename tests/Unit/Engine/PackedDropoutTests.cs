using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Models;
using DataPipeline.Engine.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace DataPipeline.Tests.Engine;

/// <summary>
/// PackedDropout, the U-Net's dropout on the CPU (issue 13): four 16-bit draws from each of
/// libtorch's 64-bit random words. What would go wrong in such a mask (a lane used twice, a lane
/// with fewer random bits, a threshold off by a sign, a mask laid out unlike the activation) shows
/// up as a kept fraction, a correlation or a layout; each is checked against its binomial spread.
/// </summary>
public class PackedDropoutTests
{
    public PackedDropoutTests() => TorchRuntime.EnsureLoaded();

    private const double P = 0.3;
    private static readonly double Keep = PackedDropout.KeptLaneValues(P) / 65536.0;

    /// <summary>Five binomial standard deviations of a kept fraction over <paramref name="n"/> elements.</summary>
    private static double Tolerance(long n) => 5 * Math.Sqrt(Keep * (1 - Keep) / n);

    private static PackedDropout Training(double p = P)
    {
        var dropout = new PackedDropout(p);
        dropout.train();
        return dropout;
    }

    /// <summary>The dropout of <paramref name="x"/> (copied to a non-leaf, as in the network) and the input's gradient for sum(y · upstream).</summary>
    private static (Tensor Output, Tensor Gradient) ForwardBackward(PackedDropout dropout, Tensor x, Tensor upstream)
    {
        var leaf = x.detach().requires_grad_(true);
        var y = dropout.call(leaf.mul(1.0));
        y.backward([upstream]);
        return (y.detach(), leaf.grad!.detach());
    }

    [Fact]
    public void KeepsOneMinusPOfTheElementsScaledSoTheMeanStays()
    {
        using var scope = NewDisposeScope();
        Assert.Equal(45875, PackedDropout.KeptLaneValues(P)); // 0.7 · 65,536 = 45,875.2
        long n = 1_000_003; // not a multiple of the four lanes of a word
        manual_seed(5);
        var x = ones(n);
        var (y, _) = ForwardBackward(Training(), x, ones(n));
        double scale = 65536.0 / 45875;
        var kept = y.ne(0);
        // Every element is either dropped (0) or the input times 1 / keep exactly.
        Assert.True(y.masked_select(kept).sub(scale).abs().max().item<float>() < 1e-6);
        double keptFraction = kept.to_type(ScalarType.Float64).mean().item<double>();
        Assert.InRange(keptFraction, Keep - Tolerance(n), Keep + Tolerance(n));
        Assert.InRange(y.to_type(ScalarType.Float64).mean().item<double>(), 1 - scale * Tolerance(n), 1 + scale * Tolerance(n));
    }

    [Fact]
    public void TheGradientIsTheMaskTimesTheScale()
    {
        using var scope = NewDisposeScope();
        manual_seed(6);
        var x = randn(4, 8, 16, 16);
        var upstream = randn(4, 8, 16, 16);
        var (y, gradient) = ForwardBackward(Training(), x, upstream);
        var factor = y.ne(0).to_type(ScalarType.Float32).mul(65536.0 / 45875);
        Assert.True(y.allclose(x.mul(factor), rtol: 1e-6, atol: 1e-7));
        Assert.True(gradient.allclose(upstream.mul(factor), rtol: 1e-6, atol: 1e-7));
    }

    [Fact]
    public void EveryLaneOfAWordIsKeptAtTheSameRateAndNeighboursAreUncorrelated()
    {
        using var scope = NewDisposeScope();
        long n = 4 * 400_000;
        manual_seed(7);
        var (y, _) = ForwardBackward(Training(), ones(n), ones(n));
        var mask = y.ne(0).to_type(ScalarType.Float64);
        var byLane = mask.view(-1, 4).mean([0]);
        for (int lane = 0; lane < 4; lane++)
            Assert.InRange(byLane[lane].item<double>(), Keep - Tolerance(n / 4), Keep + Tolerance(n / 4));
        // Elements 1 (the next lane), 4 (the next word) and 5 apart: a lane reused or shifted by too
        // little would correlate them. The correlation's spread is about 1 / sqrt(n).
        foreach (long lag in new long[] { 1, 2, 3, 4, 5 })
        {
            var a = mask.narrow(0, 0, n - lag) - Keep;
            var b = mask.narrow(0, lag, n - lag) - Keep;
            double correlation = a.mul(b).mean().item<double>() / (Keep * (1 - Keep));
            Assert.InRange(correlation, -5 / Math.Sqrt(n), 5 / Math.Sqrt(n));
        }
    }

    [Fact]
    public void AChannelsLastActivationGetsTheMaskInItsOwnMemoryOrder()
    {
        using var scope = NewDisposeScope();
        var x = randn(2, 16, 8, 8);
        manual_seed(8);
        var (plain, _) = ForwardBackward(Training(), x, ones_like(x));
        manual_seed(8);
        var channelsLast = ChannelsLast.Of(x);
        var (last, _) = ForwardBackward(Training(), channelsLast, ones_like(x));
        Assert.True(ChannelsLast.Is(last));
        // The same draws, laid along memory: NCHW order for the one, NHWC for the other.
        Assert.True(plain.ne(0).flatten().equal(last.ne(0).permute(0, 2, 3, 1).flatten()).all().item<bool>());
        Assert.True(last.allclose(channelsLast.mul(last.ne(0).to_type(ScalarType.Float32).mul(65536.0 / 45875))));
    }

    [Fact]
    public void AnActivationThatIsNotOneBlockOfMemoryIsStillDroppedElementwise()
    {
        using var scope = NewDisposeScope();
        manual_seed(9);
        // Every other column of a larger activation: a strided view with gaps, as a slice would be.
        var x = ones(64, 64, 130).mul(1.0).slice(2, 0, 128, 2);
        Assert.Equal([8320L, 130L, 2L], x.stride());
        var y = Training().call(x);
        Assert.Equal(x.shape, y.shape);
        long n = y.numel();
        double kept = y.ne(0).to_type(ScalarType.Float64).mean().item<double>();
        Assert.InRange(kept, Keep - Tolerance(n), Keep + Tolerance(n));
    }

    [Fact]
    public void TheSameSeedGivesTheSameMaskAndAnotherSeedAnother()
    {
        using var scope = NewDisposeScope();
        Tensor Mask(long seed)
        {
            manual_seed(seed);
            return Training().call(ones(10_000).mul(1.0)).ne(0);
        }
        Assert.True(Mask(11).equal(Mask(11)).all().item<bool>());
        Assert.False(Mask(11).equal(Mask(12)).all().item<bool>());
    }

    [Fact]
    public void InEvalModeOrAtZeroItIsTheIdentity()
    {
        using var scope = NewDisposeScope();
        var x = randn(3, 4, 5, 5);
        var eval = new PackedDropout(0.5);
        eval.eval();
        Assert.True(eval.call(x.clone()).equal(x).all().item<bool>());
        Assert.True(Training(0).call(x.clone()).equal(x).all().item<bool>());
        // Below half a lane value the keep probability rounds to 1: nothing is dropped.
        Assert.True(Training(1e-6).call(x.clone()).equal(x).all().item<bool>());
    }

    [Fact]
    public void ANearlyCertainDropStillKeepsOneLaneValueAndRefusesCertainty()
    {
        using var scope = NewDisposeScope();
        Assert.Equal(1, PackedDropout.KeptLaneValues(0.9999999));
        manual_seed(13);
        var y = Training(0.9999999).call(ones(1 << 20).mul(1.0));
        // 2^20 elements at 1/65,536: about 16 kept, each scaled to 65,536.
        Assert.InRange(y.sum().item<float>() / 65536, 1, 60);
        Assert.Throws<ArgumentOutOfRangeException>(() => new PackedDropout(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PackedDropout(-0.1));
    }

    [Fact]
    public void TheUNetUsesItAndListsItAsPyTorchsDropout()
    {
        var settings = ConfigLoader.LoadFile(Path.Combine(SharedPaths.BenchConfigs, "unet2d-small.toml")).Model;
        settings.Dropout = 0.3;
        using var model = new UNet(settings, settings.SizeRatio);
        int packed = model.modules().OfType<PackedDropout>().Count();
        Assert.True(packed > 0);
        Assert.Equal(packed, model.LayerTable().Count(l => l.Type == "Dropout"));
    }
}
