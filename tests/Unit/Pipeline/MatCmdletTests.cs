using System.Management.Automation;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Mat;
using DataPipeline.Tests.Mat;
using Xunit;

namespace DataPipeline.Tests.Pipeline;

public sealed class MatCmdletTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dp-matcmd-").FullName;
    private readonly ModuleSession _session;

    public MatCmdletTests() => _session = new ModuleSession(_folder);

    public void Dispose()
    {
        _session.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void RejectedFileGivesAnInvalidDataErrorAndTheNextFileGoesOn()
    {
        string bad = Path.Combine(MatCorpus.Dev, "corrupted_zlib_data.mat");
        string good = Path.Combine(MatCorpus.Dev, "testsimplecell.mat");
        var result = _session.Run($"Get-MatVariable -Path '{bad}', '{good}'");
        Assert.Null(result.Terminating);
        var error = Assert.Single(result.Errors);
        Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
        Assert.Equal(bad, error.TargetObject);
        Assert.Contains("datagrid", error.Exception.Message);
        var variable = (MatVariable)Assert.Single(result.Output).BaseObject;
        Assert.Equal("s", variable.Name);
    }

    [Fact]
    public void NameFiltersWithWildcardsAndPathBindsByPropertyName()
    {
        string file = Path.Combine(MatCorpus.Dev, "octave_v7_numeric.mat");
        var names = _session.Ok($"[pscustomobject]@{{ FullName = '{file}' }} | Get-MatVariable -Name 'i*', 'dbl'")
            .Select(o => ((MatVariable)o.BaseObject).Name);
        Assert.Equal(["i8", "i16", "i32", "i64", "dbl"], names);
    }

    [Fact]
    public void ImportStreamsFramesInPathOrderWithProgressAndConfig()
    {
        File.WriteAllText(Path.Combine(_folder, "data.toml"), "[data]\nnormalize = \"minmax\"\n");
        var output = _session.Ok($"Import-MatDataset '{MatCorpus.SarusV73}' -Config data.toml");
        var frames = output.Select(o => (Frame)o.BaseObject).ToList();
        Assert.Equal(8, frames.Count);
        Assert.Equal(frames.Select(f => f.Source).Order(StringComparer.Ordinal), frames.Select(f => f.Source));
        Assert.All(frames, f => Assert.Equal(1f, f.Data.Max()));
        Assert.All(frames, f => Assert.Equal(0f, f.Data.Min()));
    }

    [Fact]
    public void ImportReportsBadFilesAndGoesOn()
    {
        File.Copy(Path.Combine(MatCorpus.SarusV5, "sarus_like_000.mat"), Path.Combine(_folder, "a.mat"));
        File.Copy(Path.Combine(MatCorpus.Dev, "malformed_truncated_v6.mat"), Path.Combine(_folder, "b.mat"));
        File.Copy(Path.Combine(MatCorpus.SarusV5, "sarus_like_001.mat"), Path.Combine(_folder, "c.mat"));
        var result = _session.Run($"Import-MatDataset '{_folder}'");
        Assert.Equal(2, result.Output.Count);
        var error = Assert.Single(result.Errors);
        Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
        Assert.Equal(Path.Combine(_folder, "b.mat"), error.TargetObject);
    }

    [Fact]
    public void ExportedFramesComeBackThroughGetMatVariable()
    {
        var output = _session.Ok(
            "New-SyntheticFrame -Count 3 -Size 16 -Seed 4 | Export-MatFile out.mat -PassThru | Get-MatVariable -Name data, label, index, positions");
        var byName = output.Select(o => (MatVariable)o.BaseObject).ToDictionary(v => v.Name!);
        Assert.Equal([16, 16, 3], byName["data"].Dimensions);
        Assert.Equal([32, 32, 3], byName["label"].Dimensions);
        Assert.Equal([0.0, 1, 2], (double[])byName["index"].Real!);
        Assert.Equal(5, byName["positions"].CellElement(0).Dimensions[1]);
    }
}
