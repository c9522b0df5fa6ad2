using System.Text.Json;
using DataPipeline.Tests.Host;
using Xunit;

namespace DataPipeline.Tests.Pipeline;

/// <summary>The module through dpsh, as CI and cron use it.</summary>
public class DpshPipelineTests
{
    [Fact]
    public void JsonOutputOfTwoFramesHoldsShapesAndRepeats()
    {
        var first = DpshProcess.Run("-OutputFormat", "Json", "-Command", "New-SyntheticFrame -Count 2 -Seed 7");
        Assert.True(first.ExitCode == 0, first.Stderr);
        using var json = JsonDocument.Parse(first.Stdout);
        Assert.Equal(2, json.RootElement.GetArrayLength());
        foreach (var frame in json.RootElement.EnumerateArray())
        {
            Assert.Equal([64, 64], frame.GetProperty("Shape").EnumerateArray().Select(e => e.GetInt32()));
            Assert.Equal([128, 128], frame.GetProperty("LabelShape").EnumerateArray().Select(e => e.GetInt32()));
            Assert.Equal(64 * 64, frame.GetProperty("Data").GetArrayLength());
        }
        var second = DpshProcess.Run("-OutputFormat", "Json", "-Command", "New-SyntheticFrame -Count 2 -Seed 7");
        Assert.Equal(first.Stdout, second.Stdout);
    }

    [Fact]
    public void UnknownConfigKeyExitsNonZeroNamingTheKey()
    {
        string config = Path.Combine(Directory.CreateTempSubdirectory("dp-dpsh-").FullName, "cfg.toml");
        File.WriteAllText(config, "[model]\nfilterz = 8\n");
        var result = DpshProcess.Run("-Command", $"New-SyntheticFrame -Count 4 -Size 16 | Invoke-UNetTraining -Config '{config}'");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("model.filterz", result.Stderr);
        Assert.Contains("cfg.toml:2", result.Stderr);
        Directory.Delete(Path.GetDirectoryName(config)!, recursive: true);
    }
}
