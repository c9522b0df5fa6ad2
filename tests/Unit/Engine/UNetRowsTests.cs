using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Models;
using DataPipeline.Engine.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace DataPipeline.Tests.Engine;

/// <summary>
/// The [model] options of issue 17: activation = "sigmoid" and the original's other sub-pixel
/// up-samplings, up_sampling = "simple_subpixel" | "shuffle_conv" | "conv_subpixel". The counts
/// are what torch 1.13 counts for the same networks built by
/// bench/peers/peer_unet_rows.py (peer_unet.py's blocks with the new options).
/// </summary>
public class UNetRowsTests
{
    public UNetRowsTests() => TorchRuntime.EnsureLoaded();

    public static TheoryData<string, string, long> TorchCounts() => new()
    {
        { "unet2d-small", "activation=sigmoid", 501_809 },
        { "unet2d-small", "up_sampling=shuffle_conv", 481_313 },
        { "unet2d-small", "up_sampling=conv_subpixel", 501_809 },
        { "unet2d-small", "up_sampling=simple_subpixel,skip=concat", 480_753 },
        { "unet2d-small", "up_sampling=simple_subpixel,skip=none", 477_169 },
        { "unet2d-small", "up_sampling=shuffle_conv,skip=concat,size_ratio=1", 482_801 },
        { "unet2d-seed", "up_sampling=shuffle_conv,activation=sigmoid", 7_654_017 },
        { "unet3d-small", "up_sampling=shuffle_conv", 86_369 },
        { "unet3d-small", "up_sampling=simple_subpixel,skip=concat,temporal_downscaling=true", 86_313 },
        { "unet3d-small", "up_sampling=shuffle_conv,temporal_downscaling=true,activation=sigmoid", 86_329 },
        { "unet3d-small", "up_sampling=conv_subpixel,temporal_downscaling=true", 89_017 },
    };

    /// <summary>Applies "key=value,..." overrides to a bench config's [model] section through the TOML loader.</summary>
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
    [MemberData(nameof(TorchCounts))]
    public void TrainableParametersMatchPyTorchAndTheFormula(string bench, string overrides, long expected)
    {
        var settings = Model(bench, overrides);
        using var model = new UNet(settings, settings.SizeRatio);
        Assert.Equal(expected, model.TrainableParameters);
        Assert.Equal(expected, UNetParameterFormula.Count(settings, settings.SizeRatio));
    }

    [Fact]
    public void ShuffleConvCountsByHand()
    {
        // unet2d-small (F = 16, D = 3): subpixel's Up is conv1 c -> 4c, 4c^2 + 4c; shuffle_conv's is
        // conv1 c/4 -> c, c^2/4 + c. Over c = 16, 32, 64 that is 21,952 against 1,456 parameters.
        long subpixel = UNetParameterFormula.Count(Model("unet2d-small", ""), 2);
        long conv = UNetParameterFormula.Count(Model("unet2d-small", "up_sampling=shuffle_conv"), 2);
        Assert.Equal(501_809, subpixel);
        Assert.Equal(21_952 - 1_456, subpixel - conv);
    }

    [Theory]
    [InlineData("unet2d-small", "up_sampling=simple_subpixel,skip=concat", new long[] { 2, 1, 16, 24 }, new long[] { 2, 1, 32, 48 })]
    [InlineData("unet2d-small", "up_sampling=shuffle_conv,activation=sigmoid", new long[] { 2, 1, 16, 16 }, new long[] { 2, 1, 32, 32 })]
    [InlineData("unet3d-small", "up_sampling=simple_subpixel,skip=none,temporal_downscaling=true", new long[] { 1, 1, 4, 8, 8 }, new long[] { 1, 1, 4, 16, 16 })]
    [InlineData("unet3d-small", "up_sampling=shuffle_conv", new long[] { 2, 1, 3, 8, 8 }, new long[] { 2, 1, 3, 16, 16 })]
    public void ForwardAndBackwardGiveTheDefinedOutputShape(string bench, string overrides, long[] input, long[] output)
    {
        var settings = Model(bench, overrides);
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
    public void ConvSubpixelIsTheOriginalsNameForSubpixel()
    {
        var settings = Model("unet2d-small", "up_sampling=conv_subpixel");
        Assert.Equal(UpSampling.Subpixel, settings.UpSampling);
        // Written back under the canonical name.
        Assert.Contains("up_sampling = \"subpixel\"", ConfigTemplate.Write(new PipelineConfig { Model = settings }));
    }

    [Fact]
    public void SigmoidActivationIsTheLogisticFunctionInEveryBlock()
    {
        var settings = Model("unet2d-small", "activation=sigmoid");
        using var model = new UNet(settings, 2);
        var layers = model.LayerTable();
        // Two activations per ResBlock: 3 encoder, the bottleneck, 3 decoder levels.
        Assert.Equal(14, layers.Count(l => l.Type == "Sigmoid"));
        using var sigmoid = new UNetLayers(settings).Activation(inplace: false);
        using var scope = NewDisposeScope();
        var y = sigmoid.call(tensor(new float[] { -2, 0, 3 })).data<float>().ToArray();
        Assert.Equal(1 / (1 + Math.Exp(2)), y[0], 6);
        Assert.Equal(0.5, y[1], 6);
        Assert.Equal(1 / (1 + Math.Exp(-3)), y[2], 6);
    }

    [Fact]
    public void SimpleSubpixelIsTheBareShuffle()
    {
        // With no parameters, the Up of 4 channels at 1x1 must give 1 channel at 2x2 holding them in order.
        var settings = Model("unet2d-small", "up_sampling=simple_subpixel,skip=none");
        using var up = new Up(new UNetLayers(settings), 4);
        Assert.Empty(up.parameters());
        using var scope = NewDisposeScope();
        var y = up.call(tensor(new float[] { 1, 2, 3, 4 }).reshape(1, 4, 1, 1));
        Assert.Equal(new long[] { 1, 1, 2, 2 }, y.shape);
        Assert.Equal(new float[] { 1, 2, 3, 4 }, y.contiguous().data<float>().ToArray());
    }

    [Theory]
    [InlineData("up_sampling=simple_subpixel", "model.skip")]
    [InlineData("up_sampling=shuffle_conv,filters=6", "model.filters")]
    public void ImpossibleWidthsAreConfigErrorsNamingTheKey(string overrides, string key)
    {
        var settings = Model("unet2d-small", overrides);
        var e = Assert.Throws<ConfigException>(() => new UNet(settings, 2));
        Assert.Equal(key, e.Key);
        Assert.Contains("up_sampling", e.Message);
    }
}
