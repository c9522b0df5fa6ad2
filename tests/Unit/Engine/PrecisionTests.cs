using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Runtime;
using DataPipeline.Engine.Training;
using Xunit;
using static TorchSharp.torch;

namespace DataPipeline.Tests.Engine;

/// <summary>training.precision: autocast through libtorch's own entry points, and what the CPU refuses.</summary>
public sealed class PrecisionTests : IDisposable
{
    private readonly string _output = Directory.CreateTempSubdirectory("dp-precision-").FullName;

    public void Dispose() => Directory.Delete(_output, recursive: true);

    [Fact]
    public void ThePrecisionKeyTakesItsThreeNamesAndNothingElse()
    {
        Assert.Equal(TrainingPrecision.Fp32, ConfigLoader.Parse("", "cfg.toml").Training.Precision);
        Assert.Equal(TrainingPrecision.Bf16, ConfigLoader.Parse("[training]\nprecision = \"bf16\"\n", "cfg.toml").Training.Precision);
        Assert.Equal(TrainingPrecision.Fp16, ConfigLoader.Parse("[training]\nprecision = \"fp16\"\n", "cfg.toml").Training.Precision);
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("[training]\nprecision = \"fp8\"\n", "cfg.toml"));
        Assert.Equal("training.precision", e.Key);
        Assert.Contains("\"fp32\", \"bf16\", \"fp16\"", e.Message);
    }

    [Fact]
    public void AutocastRunsConvolutionsInBfloat16OnTheCpuOnlyInsideTheScope()
    {
        TorchRuntime.EnsureLoaded();
        Assert.True(Autocast.Available);
        using var scope = NewDisposeScope();
        var conv = nn.Conv2d(1, 4, 3, padding: 1);
        var input = rand(2, 1, 8, 8);
        Assert.Equal(ScalarType.Float32, conv.call(input).dtype);
        using (Autocast.Enter(CPU, half: false))
        {
            Assert.True(Autocast.IsActive(CPU));
            Assert.Equal(ScalarType.BFloat16, conv.call(input).dtype);
        }
        Assert.False(Autocast.IsActive(CPU));
        Assert.Equal(ScalarType.Float32, conv.call(input).dtype);
    }

    [Theory]
    [InlineData(TrainingPrecision.Fp16, "\"fp16\"")]
    [InlineData(TrainingPrecision.Bf16, "\"bf16\"")]
    public void MixedPrecisionOnTheCpuIsAConfigErrorNamingTheKeyAndCuda(TrainingPrecision precision, string name)
    {
        var config = TrainerTests.SmallConfig(epochs: 1);
        config.Training.Precision = precision;
        var e = Assert.Throws<ConfigException>(() => new Trainer(config).Run(Generator(config), _output));
        Assert.Equal("training.precision", e.Key);
        Assert.Contains(name, e.Message);
        Assert.Contains("needs a CUDA device", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(_output)); // refused before any run folder was made
    }

    [Fact]
    public void TheLossScalerUnscalesGoodGradientsAndHalvesTheScaleOnOverflow()
    {
        TorchRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        var weight = new TorchSharp.Modules.Parameter(ones(3));
        var scaler = new LossScaler();
        Assert.Equal(65536, scaler.Scale);

        scaler.Scaled((weight * tensor(new[] { 1f, 2f, 3f })).sum()).backward();
        Assert.Equal(new[] { 65536f, 131072f, 196608f }, weight.grad!.data<float>().ToArray());
        Assert.True(scaler.Unscale([weight]));
        Assert.Equal(new[] { 1f, 2f, 3f }, weight.grad!.data<float>().ToArray());
        Assert.Equal(65536, scaler.Scale);

        weight.grad!.fill_(float.PositiveInfinity);
        Assert.False(scaler.Unscale([weight]));
        Assert.Equal(32768, scaler.Scale);
    }

    private static BatchGenerator Generator(PipelineConfig config) => new(BatchGeneratorTests.Frames(32), config.Batch);
}
