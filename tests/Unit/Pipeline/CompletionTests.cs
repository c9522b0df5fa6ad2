using DataPipeline.Engine.Mat;
using Xunit;

namespace DataPipeline.Tests.Pipeline;

/// <summary>Tab completion as a user gets it: TabExpansion2 in a session with the module imported.</summary>
public sealed class CompletionTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dp-complete-").FullName;
    private readonly ModuleSession _session;

    public CompletionTests() => _session = new ModuleSession(_folder);

    public void Dispose()
    {
        _session.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private List<string> Complete(string line)
    {
        string script = $"(TabExpansion2 -inputScript '{line.Replace("'", "''")}' -cursorColumn {line.Length}).CompletionMatches";
        return _session.Ok(script).Select(o => (string)o.Properties["CompletionText"].Value).ToList();
    }

    [Fact]
    public void DeviceOffersAutoCpuAndOnlyCudaDevicesPresent()
    {
        // No CUDA device on this team's machines (CPU backend), so no cuda:N is offered.
        Assert.Equal(["auto", "cpu"], Complete("Invoke-UNetTraining -Device "));
        Assert.Equal(["cpu"], Complete("Invoke-UNetPrediction -Device c"));
    }

    [Fact]
    public void MatVariablesCompleteStructPathsOfTheFirstFile()
    {
        var das = MatVariable.Doubles(null, [1, 2, 3, 4], 2, 2);
        var lowRes = MatVariable.Struct("low_res", [1, 1], ["das", "note"],
            [new Dictionary<string, MatVariable> { ["das"] = das, ["note"] = MatVariable.Char(null, "x") }]);
        var confMap = MatVariable.Struct("conf_map", [1, 2], ["gauss"],
            [new Dictionary<string, MatVariable> { ["gauss"] = das }, new Dictionary<string, MatVariable> { ["gauss"] = das }]);
        Directory.CreateDirectory(Path.Combine(_folder, "mats"));
        Level5Writer.Write(Path.Combine(_folder, "mats", "a.mat"), [lowRes, confMap, MatVariable.Doubles("scale", [2], 1, 1)]);
        File.WriteAllText(Path.Combine(_folder, "mats", "b.mat"), "not read: a.mat comes first");

        // A relative folder, given by position: its first .mat file in path order.
        Assert.Equal(["low_res.das", "'conf_map(1).gauss'", "scale"], Complete("Import-MatDataset ./mats -DataVariable "));
        Assert.Equal(["'conf_map(1).gauss'"], Complete("Import-MatDataset -Path ./mats/a.mat -LabelVariable conf"));
        Assert.Empty(Complete("Import-MatDataset -Path ./missing -DataVariable "));
    }

    [Fact]
    public void SweepParameterCompletesConfigKeys()
    {
        var keys = Complete("Invoke-TrainingSweep -Parameter training.lea");
        Assert.Equal(["@{ 'training.learning_rate' = "], keys);
        Assert.Contains("@{ 'model.filters' = ", Complete("Invoke-TrainingSweep -Parameter "));
    }
}
