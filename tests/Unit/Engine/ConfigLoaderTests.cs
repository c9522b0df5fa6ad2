using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Models;
using DataPipeline.Engine.Training;
using Xunit;

namespace DataPipeline.Tests.Engine;

public class ConfigLoaderTests
{
    private static ConfigException Fails(string toml) =>
        Assert.Throws<ConfigException>(() => ConfigLoader.Parse(toml, "cfg.toml"));

    [Fact]
    public void EmptyFileGivesTheDocumentedDefaults()
    {
        var config = ConfigLoader.Parse("", "empty.toml");
        Assert.Equal(16, config.Batch.BatchSize);
        Assert.Equal(64, config.Model.Filters);
        Assert.Equal(3, config.Model.Depth);
        Assert.Equal(0.3, config.Model.LreluSlope);
        Assert.Equal(LossKind.Mse, config.Training.Loss);
        Assert.Equal("auto", config.Training.Device);
    }

    [Fact]
    public void ValuesAreBoundWithTheirTypes()
    {
        var config = ConfigLoader.Parse("""
            [simulation]
            scatterers = [2, 7]
            noise_std = 0
            [model]
            skip = "concat"
            down_sampling = "strided_conv"
            dropout = 0.1
            [training]
            loss = "bce+dice"
            device = "cuda:1"
            learning_rate = 5e-4
            """, "cfg.toml");
        Assert.Equal(new IntRange(2, 7), config.Simulation.Scatterers);
        Assert.Equal(0.0, config.Simulation.NoiseStd);
        Assert.Equal(SkipMerge.Concat, config.Model.Skip);
        Assert.Equal(DownSampling.Stride, config.Model.DownSampling);
        Assert.Equal(LossKind.BceDice, config.Training.Loss);
        Assert.Equal("cuda:1", config.Training.Device);
        Assert.Equal(5e-4, config.Training.LearningRate);
    }

    [Fact]
    public void UnknownKeyNamesFileLineAndKey()
    {
        var e = Fails("[training]\nepochs = 2\nlearnin_rate = 0.1\n");
        Assert.Equal("training.learnin_rate", e.Key);
        Assert.Equal(3, e.Line);
        Assert.StartsWith("cfg.toml:3:", e.Message);
        Assert.Contains("learning_rate", e.Message); // lists the real keys
    }

    [Fact]
    public void UnknownSectionIsAnError()
    {
        var e = Fails("[trainng]\nepochs = 2\n");
        Assert.Equal(1, e.Line);
        Assert.Contains("unknown section [trainng]", e.Message);
    }

    [Theory]
    [InlineData("[batch]\nbatch_size = \"16\"", "expected an integer")]
    [InlineData("[batch]\nbatch_size = 0", "allowed range is [1, 65536]")]
    [InlineData("[batch]\nvalidation_fraction = 1.0", "allowed range is [0, 1)")]
    [InlineData("[model]\nkernel = 4", "expected an odd number")]
    [InlineData("[model]\nactivation = \"tanh\"", "allowed values are \"lrelu\", \"relu\", \"elu\", \"gelu\"")]
    [InlineData("[training]\ndevice = \"gpu\"", "allowed values are auto, cpu, cuda, cuda:N")]
    [InlineData("[simulation]\nscatterers = [5, 2]", "low end of the range is above the high end")]
    [InlineData("[simulation]\nscatterers = [1.5, 2]", "range of integers")]
    [InlineData("[batch]\nshuffle = 1", "expected true or false")]
    [InlineData("[batch]\nbatch_size = 8\nbatch_size = 9", "batch_size")]
    [InlineData("epochs = 3", "outside any section")]
    public void BadValuesAreRejectedWithTheReason(string toml, string reason)
    {
        var e = Fails(toml);
        Assert.Contains(reason, e.Message);
        Assert.True(e.Line > 0);
    }

    [Fact]
    public void SyntaxErrorNamesTheLine()
    {
        var e = Fails("[batch]\nbatch_size = = 3\n");
        Assert.Equal(2, e.Line);
        Assert.Contains("not valid TOML", e.Message);
    }

    [Fact]
    public void UnreadableFileIsAConfigError()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile("/nonexistent/cfg.toml"));
        Assert.Contains("cannot read", e.Message);
    }

    [Fact]
    public void TemplateListsEveryKeyAndReadsBackAsTheDefaults()
    {
        string text = ConfigTemplate.Write(new PipelineConfig());
        foreach (var section in ConfigLoader.Sections)
        {
            Assert.Contains($"[{section.Name}]", text);
            foreach (var key in section.Keys)
                Assert.Contains(key.Attribute.Example is null ? $"\n{key.Name} = " : $"\n# {key.Name} = {key.Attribute.Example}", text);
        }
        var back = ConfigLoader.Parse(text, "template.toml");
        var defaults = new PipelineConfig();
        foreach (var (section, pair) in ConfigLoader.Sections.Zip(back.Sections().Zip(defaults.Sections())))
            foreach (var key in section.Keys)
                Assert.Equal(key.Property.GetValue(pair.Second), key.Property.GetValue(pair.First));
    }

    public static TheoryData<string> PeerConfigs() => new(Directory.GetFiles(SharedPaths.BenchConfigs, "*.toml").Select(Path.GetFileName)!);

    [Theory]
    [MemberData(nameof(PeerConfigs))]
    public void ThePeerBenchmarkConfigsLoad(string file)
    {
        var config = ConfigLoader.LoadFile(Path.Combine(SharedPaths.BenchConfigs, file));
        Assert.Equal(2, config.Training.Threads);
    }

    [Fact]
    public void NoiseIsGivenAsStdOrAsSnrButNotBoth()
    {
        var snr = ConfigLoader.Parse("[simulation]\nsnr_db = 12.5\ncombine = \"sum\"\namplitude = [0.5, 2]\n", "cfg.toml").Simulation;
        Assert.Equal(12.5, snr.SnrDb);
        Assert.Equal(DataPipeline.Engine.Simulation.PsfCombine.Sum, snr.Combine);
        Assert.Equal(new DoubleRange(0.5, 2), snr.Amplitude);
        Assert.Null(ConfigLoader.Parse("", "cfg.toml").Simulation.SnrDb);

        var e = Fails("[simulation]\nnoise_std = 0.1\nsnr_db = 20\n");
        Assert.Equal("simulation.snr_db", e.Key);
        Assert.Equal(3, e.Line);
        Assert.Contains("noise_std", e.Message);

        // The template shows the unset key commented out, so uncommenting it gives a valid file.
        string template = ConfigTemplate.Write(new PipelineConfig());
        Assert.Contains("\n# snr_db = 20.0\n", template.ReplaceLineEndings("\n"));
        Assert.Contains("\ncombine = \"max\"\n", template.ReplaceLineEndings("\n"));
    }
}
