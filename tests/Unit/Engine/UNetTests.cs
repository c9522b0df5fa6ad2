using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Models;
using DataPipeline.Engine.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace DataPipeline.Tests.Engine;

public class UNetTests
{
    public UNetTests() => TorchRuntime.EnsureLoaded();

    private static PipelineConfig Bench(string name) => ConfigLoader.LoadFile(Path.Combine(SharedPaths.BenchConfigs, name + ".toml"));

    /// <summary>The "Checked totals" table of shared/bench/UNET.md, counted by PyTorch 1.13.</summary>
    public static TheoryData<string, string, long> CheckedTotals() => new()
    {
        { "unet2d-seed", "", 7_977_921 },
        { "unet2d-seed", "skip=none", 7_977_921 },
        { "unet2d-seed", "skip=concat", 8_018_945 },
        { "unet2d-seed", "batch_norm=false", 7_972_801 },
        { "unet2d-small", "", 501_809 },
        // IQ input: only the entry conv1 changes, conv1(2, F) - conv1(1, F) = F more weights (F = 64 and 16).
        { "unet2d-seed", "in_channels=2", 7_977_985 },
        { "unet2d-small", "in_channels=2", 501_825 },
        { "unet2d-small", "shortcut=false", 501_809 },
        { "unet2d-small", "batch_norm=false", 500_529 },
        { "unet2d-small", "skip=concat", 505_393 },
        { "unet2d-small", "down_sampling=stride", 587_825 },
        { "unet2d-small", "down_sampling=avgpool", 501_809 },
        { "unet2d-small", "up_sampling=transpose", 528_353 },
        { "unet2d-small", "up_sampling=nearest", 528_353 },
        { "unet2d-small", "size_ratio=1", 500_721 },
        { "unet2d-small", "size_ratio=3", 503_169 },
        { "unet2d-small", "kernel=5", 1_325_105 },
        { "unet2d-small", "skip=concat,down_sampling=stride,up_sampling=transpose", 617_953 },
        { "unet3d-small", "", 87_641 },
        { "unet3d-small", "temporal_kernel=1", 31_193 },
        { "unet3d-small", "temporal_downscaling=true", 89_017 },
        { "unet3d-small", "temporal_downscaling=true,up_sampling=transpose", 94_929 },
        { "unet3d-small", "down_sampling=stride", 103_001 },
        { "unet3d-small", "skip=concat,up_sampling=nearest", 95_313 },
    };

    /// <summary>Applies "key=value,..." overrides to the [model] section through the TOML loader.</summary>
    private static ModelSettings Model(string bench, string overrides)
    {
        string text = File.ReadAllText(Path.Combine(SharedPaths.BenchConfigs, bench + ".toml"));
        foreach (var pair in overrides.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var (key, value) = (pair.Split('=')[0], pair.Split('=')[1]);
            string literal = value is "true" or "false" || char.IsDigit(value[0]) ? value : $"\"{value}\"";
            text = System.Text.RegularExpressions.Regex.Replace(text, $@"(?m)^{key} = .*$", "");
            text = text.Replace("[model]\n", $"[model]\n{key} = {literal}\n");
        }
        return ConfigLoader.Parse(text, bench).Model;
    }

    [Theory]
    [MemberData(nameof(CheckedTotals))]
    public void TrainableParametersMatchPyTorch(string bench, string overrides, long expected)
    {
        var settings = Model(bench, overrides);
        int ratio = settings.SizeRatio;
        using var model = new UNet(settings, ratio);
        Assert.Equal(expected, model.TrainableParameters);
        Assert.Equal(expected, UNetParameterFormula.Count(settings, ratio));
    }

    [Fact]
    public void TheOriginalsTotalIncludesBatchNormStatistics()
    {
        using var model = new UNet(Bench("unet2d-seed").Model, 1);
        Assert.Equal(7_983_041, model.TotalParameters); // the Keras log's "Total params"
    }

    [Fact]
    public void ModuleNamesFollowUnetMd()
    {
        using var model = new UNet(Bench("unet2d-small").Model, 2);
        var names = model.named_parameters().Select(p => p.name).ToHashSet();
        Assert.Contains("enc.0.entry.weight", names);
        Assert.Contains("enc.0.block.conv_a.weight", names);
        Assert.Contains("enc.2.down.conv.weight", names);
        Assert.Contains("mid.bn_a.weight", names);
        Assert.Contains("dec.0.up.conv.weight", names);
        Assert.Contains("head_up.weight", names);
        Assert.Contains("out.bias", names);
    }

    [Theory]
    [InlineData("unet2d-small", "", new long[] { 2, 1, 32, 32 }, new long[] { 2, 1, 64, 64 })]
    [InlineData("unet2d-small", "skip=concat,down_sampling=stride,up_sampling=transpose", new long[] { 2, 1, 32, 32 }, new long[] { 2, 1, 64, 64 })]
    [InlineData("unet2d-small", "up_sampling=nearest,size_ratio=1,activation=gelu", new long[] { 2, 1, 16, 24 }, new long[] { 2, 1, 16, 24 })]
    [InlineData("unet3d-small", "", new long[] { 2, 1, 3, 8, 8 }, new long[] { 2, 1, 3, 16, 16 })]
    [InlineData("unet3d-small", "temporal_downscaling=true,up_sampling=transpose,down_sampling=avgpool", new long[] { 2, 1, 4, 8, 8 }, new long[] { 2, 1, 4, 16, 16 })]
    [InlineData("unet3d-small", "temporal_downscaling=true,skip=concat", new long[] { 1, 1, 8, 8, 8 }, new long[] { 1, 1, 8, 16, 16 })]
    [InlineData("unet3d-small", "down_sampling=stride,up_sampling=nearest,activation=elu", new long[] { 2, 1, 2, 8, 8 }, new long[] { 2, 1, 2, 16, 16 })]
    public void ForwardAndBackwardGiveTheDefinedOutputShape(string bench, string overrides, long[] input, long[] output)
    {
        var settings = Model(bench, overrides);
        // Two threads, and widths of 8 and 16: oneDNN's uninitialised channel padding gave NaN
        // gradients here until TorchRuntime.PrepareConvolutions; this test guards that fix.
        TorchRuntime.SetThreads(2);
        manual_seed(1);
        using var model = new UNet(settings, settings.SizeRatio);
        using var scope = NewDisposeScope();
        var y = model.call(rand(input));
        Assert.Equal(output, y.shape);
        y.mean().backward();
        Assert.All(model.parameters(), p => Assert.True(p.grad is not null && p.grad.isfinite().all().item<bool>()));
    }

    [Fact]
    public void PixelShuffle3dPlacesEveryChannelAsUnetMdDefines()
    {
        // Input channel c*rt*r*r + a*r*r + i*r + j at (t, h, w) goes to channel c at (t*rt + a, h*r + i, w*r + j).
        const int n = 2, c = 2, rt = 2, r = 3, t = 2, h = 2, w = 3;
        using var scope = NewDisposeScope();
        var input = arange(n * c * rt * r * r * t * h * w, dtype: ScalarType.Float32).reshape(n, c * rt * r * r, t, h, w);
        using var shuffle = new PixelShuffle3d(r, rt);
        var output = shuffle.call(input);
        Assert.Equal(new long[] { n, c, t * rt, h * r, w * r }, output.shape);
        var x = input.data<float>().ToArray();
        var y = output.contiguous().data<float>().ToArray();
        for (int b = 0; b < n; b++)
        for (int ch = 0; ch < c; ch++)
        for (int a = 0; a < rt; a++)
        for (int i = 0; i < r; i++)
        for (int j = 0; j < r; j++)
        for (int tt = 0; tt < t; tt++)
        for (int hh = 0; hh < h; hh++)
        for (int ww = 0; ww < w; ww++)
        {
            int from = ((((b * c * rt * r * r) + ch * rt * r * r + a * r * r + i * r + j) * t + tt) * h + hh) * w + ww;
            int to = (((b * c + ch) * t * rt + tt * rt + a) * h * r + hh * r + i) * w * r + ww * r + j;
            Assert.Equal(x[from], y[to]);
        }
    }

    [Fact]
    public void SkipConnectionsReachTheDecoder()
    {
        // Same seed, same weights: only the merge differs, so the outputs must too (the original's
        // merges fed nothing, which made "add" and "none" the same network).
        var add = Model("unet2d-small", "dropout=0");
        var none = Model("unet2d-small", "dropout=0,skip=none");
        using var scope = NewDisposeScope();
        var x = rand(1, 1, 32, 32);
        manual_seed(4);
        using var withSkip = new UNet(add, 2);
        manual_seed(4);
        using var without = new UNet(none, 2);
        withSkip.eval();
        without.eval();
        Assert.False(withSkip.call(x).allclose(without.call(x)));
    }

    [Fact]
    public void IncompatibleFrameShapesAreExplained()
    {
        using var model = new UNet(Bench("unet2d-small").Model, 2);
        Assert.Contains("multiples of 8", Assert.Throws<ArgumentException>(() => model.CheckInputShape([60, 64])).Message);
        Assert.Contains("dims = 3", Assert.Throws<ArgumentException>(() => model.CheckInputShape([3, 64, 64])).Message);
    }
}
