using System.Text.Json;
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

    /// <summary>The exported cmdlets that have a parameter of this name, so cmdlets added later are covered too.</summary>
    private List<string> CmdletsWith(string parameter) =>
        _session.Ok($"(Get-Module DataPipeline).ExportedCmdlets.Values.Where({{ $_.Parameters.ContainsKey('{parameter}') }}).ForEach({{ $_.Name }})")
            .Select(o => o.ToString()).ToList();

    [Fact]
    public void EveryDeviceParameterOffersTheDevicesGetTrainingDeviceLists()
    {
        // Get-TrainingDevice is the user's own list of what is present; on a GPU machine it adds cuda:N.
        var present = _session.Ok("(Get-TrainingDevice).Where({ $_.Type -eq 'CUDA' -and $_.Available }).ForEach({ $_.Device })").Select(o => o.ToString());
        var cmdlets = CmdletsWith("Device");
        Assert.Contains("Invoke-UNetTraining", cmdlets);
        foreach (var cmdlet in cmdlets)
            Assert.Equal(["auto", "cpu", .. present], Complete($"{cmdlet} -Device "));
    }

    [Theory]
    [InlineData("v5")]
    [InlineData("v73")]
    public void EveryMatVariableParameterOffersTheStructPathsOfTheFirstCorpusFile(string version)
    {
        // The expectation comes from the corpus oracle's JSON (scipy/h5py) of the folder's first
        // file, not from our reader: every numeric array by its struct path, in stored order.
        var folder = Path.Combine(SharedPaths.Shared, "corpus", "sarus-like", version);
        var first = Directory.GetFiles(folder, "*.mat").Order(StringComparer.Ordinal).First();
        using var oracle = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(first, ".json")));
        var expected = new List<string>();
        foreach (var variable in oracle.RootElement.EnumerateArray())
            OracleArrayPaths(variable, variable.GetProperty("Name").GetString()!, expected);
        Assert.Contains("low_res.das", expected);

        var cmdlets = CmdletsWith("DataVariable").Union(CmdletsWith("LabelVariable")).ToList();
        Assert.Contains("Import-MatDataset", cmdlets);
        foreach (var cmdlet in cmdlets)
        {
            foreach (var parameter in new[] { "DataVariable", "LabelVariable" })
            {
                if (!CmdletsWith(parameter).Contains(cmdlet)) continue;
                Assert.Equal(expected, Complete($"{cmdlet} -Path '{folder}' -{parameter} "));
                Assert.Equal(expected.Where(p => p.StartsWith("conf_map.", StringComparison.Ordinal)), Complete($"{cmdlet} '{first}' -{parameter} conf_map."));
            }
        }
    }

    private static readonly HashSet<string> NumericClasses =
        ["double", "single", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "logical"];

    private static void OracleArrayPaths(JsonElement node, string path, List<string> paths)
    {
        var cls = node.GetProperty("Class").GetString()!;
        if (NumericClasses.Contains(cls)) { paths.Add(path.Contains('(') ? $"'{path}'" : path); return; }
        if (cls != "struct" || node.GetProperty("Elements").GetArrayLength() == 0) return;
        var count = node.GetProperty("Dimensions").EnumerateArray().Aggregate(1L, (n, d) => n * d.GetInt64());
        var element = node.GetProperty("Elements")[0];
        foreach (var field in node.GetProperty("Fields").EnumerateArray().Select(f => f.GetString()!))
            OracleArrayPaths(element.GetProperty(field), count == 1 ? $"{path}.{field}" : $"{path}(1).{field}", paths);
    }

    [Fact]
    public void SweepParameterOffersEveryKeyNewTrainingConfigWrites()
    {
        // The commented file a user starts from is the reference: section.key for each key line,
        // including the unset keys it shows commented out ("# snr_db = 20.0").
        _session.Ok("New-TrainingConfig -Path ./all.toml");
        var written = new List<string>();
        string section = "";
        foreach (var line in File.ReadAllLines(Path.Combine(_folder, "all.toml")))
        {
            if (line.StartsWith('[')) section = line.Trim('[', ']');
            else if (System.Text.RegularExpressions.Regex.Match(line, "^(# )?([a-z0-9_]+) = ") is { Success: true } key)
                written.Add($"{section}.{key.Groups[2].Value}");
        }
        var offered = Complete("Invoke-TrainingSweep -Parameter ").Select(c => c["@{ '".Length..^"' = ".Length]).ToList();
        Assert.Equal(written.Order(StringComparer.Ordinal), offered.Order(StringComparer.Ordinal));
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
