using System.Text.RegularExpressions;
using System.Text.Json;
using Xunit;

namespace DataPipeline.Tests.Pipeline;

/// <summary>The staged module in `pwsh -Command`, as scripts, cron and CI use it.</summary>
public class PwshPipelineTests
{
    [Fact]
    public void JsonOfTwoFramesHoldsShapesAndRepeats()
    {
        const string script = "New-SyntheticFrame -Count 2 -Seed 7 | ConvertTo-Json -AsArray -Depth 4 -Compress";
        var first = Pwsh.Command(script);
        Assert.True(first.ExitCode == 0, first.Report);
        using var json = JsonDocument.Parse(first.Stdout);
        Assert.Equal(2, json.RootElement.GetArrayLength());
        foreach (var frame in json.RootElement.EnumerateArray())
        {
            Assert.Equal([64, 64], frame.GetProperty("Shape").EnumerateArray().Select(e => e.GetInt32()));
            Assert.Equal([128, 128], frame.GetProperty("LabelShape").EnumerateArray().Select(e => e.GetInt32()));
            Assert.Equal(64 * 64, frame.GetProperty("Data").GetArrayLength());
        }
        var second = Pwsh.Command(script);
        Assert.Equal(first.Stdout, second.Stdout);
    }

    [Fact]
    public void UnknownConfigKeyExitsNonZeroNamingTheKey()
    {
        var dir = Directory.CreateTempSubdirectory("dp-pwsh-").FullName;
        string config = Path.Combine(dir, "cfg.toml");
        File.WriteAllText(config, "[model]\nfilterz = 8\n");
        var result = Pwsh.Command($"$ErrorActionPreference = 'Stop'; New-SyntheticFrame -Count 4 -Size 16 | Invoke-UNetTraining -Config {Pwsh.Quote(config)}");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("model.filterz", result.Stderr);
        Assert.Contains("cfg.toml:2", result.Stderr);
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void QuickstartScriptImportsTheStagedModuleTrainsAndWritesItsReport()
    {
        _ = Pwsh.StagedManifest;
        var dir = Directory.CreateTempSubdirectory("dp-quickstart-").FullName;
        // The README's main job with the small test configuration, so that it takes seconds.
        var result = Pwsh.Script(Path.Combine(SharedPaths.RepositoryRoot, "examples", "quickstart.ps1"), dir,
            "-Config", SharedPaths.SmallConfig, "-Epochs", "1", "-OutputDirectory", "report");

        Assert.True(result.ExitCode == 0, result.Report);
        var runId = Assert.Single(Directory.GetDirectories(Path.Combine(dir, "report")).Select(Path.GetFileName));
        // The list view pads labels to the longest one; the values are what matter.
        Assert.Contains(result.Lines, l => Regex.IsMatch(l, $@"^RunId\s+: {runId}$"));
        Assert.Contains(result.Lines, l => Regex.IsMatch(l, @"^Status\s+: Completed$"));
        Assert.True(File.Exists(Path.Combine(dir, "report", runId + ".html")));
        Assert.True(File.Exists(Path.Combine(dir, "report", runId!, "best.ckpt")));
        Directory.Delete(dir, recursive: true);
    }
}
