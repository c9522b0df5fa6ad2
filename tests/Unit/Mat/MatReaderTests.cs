using System.Text.Json;
using DataPipeline.Engine.Mat;
using DataPipeline.Tests.Pipeline;
using Xunit;

namespace DataPipeline.Tests.Mat;

public sealed class MatReaderTests
{
    public static IEnumerable<object[]> Readable => MatCorpus.Files(MatCorpus.Dev, rejects: false);
    public static IEnumerable<object[]> Rejected => MatCorpus.Files(MatCorpus.Dev, rejects: true);
    public static IEnumerable<object[]> Sarus =>
        MatCorpus.Files(MatCorpus.SarusV5, false).Select(f => new object[] { "v5", f[0] })
            .Concat(MatCorpus.Files(MatCorpus.SarusV73, false).Select(f => new object[] { "v73", f[0] }));

    [Fact]
    public void CorpusHasTheDocumentedFiles()
    {
        Assert.Equal(99, Readable.Count());
        Assert.Equal(7, Rejected.Count());
    }

    [Theory]
    [MemberData(nameof(Readable))]
    public void ReadableCorpusFileDecodesToItsExpectedJson(string name)
    {
        string file = Path.Combine(MatCorpus.Dev, name);
        var diffs = CanonicalJson.Compare(MatCorpus.Expected(file), MatCorpus.Json(MatCorpus.ReadAll(file)));
        Assert.True(diffs.Count == 0, string.Join("\n", diffs.Take(10)));
    }

    [Theory]
    [MemberData(nameof(Sarus))]
    public void SarusLikeFileDecodesToItsExpectedJson(string folder, string name)
    {
        string file = Path.Combine(folder == "v5" ? MatCorpus.SarusV5 : MatCorpus.SarusV73, name);
        var diffs = CanonicalJson.Compare(MatCorpus.Expected(file), MatCorpus.Json(MatCorpus.ReadAll(file)));
        Assert.True(diffs.Count == 0, string.Join("\n", diffs.Take(10)));
    }

    [Theory]
    [MemberData(nameof(Rejected))]
    public void CorruptCorpusFileIsRejectedWithFileAndOffset(string name)
    {
        string file = Path.Combine(MatCorpus.Dev, name);
        var e = Assert.Throws<MatFormatException>(() => MatCorpus.ReadAll(file));
        Assert.Equal(file, e.File);
        Assert.StartsWith(file + ":", e.Message);
        Assert.Contains("byte", e.Location);
    }

    [Theory]
    [InlineData("bad_miuint32.mat", "does not fit int32")]
    [InlineData("corrupted_zlib_data.mat", "compressed element")]
    [InlineData("malformed_empty_file.mat", "empty")]
    [InlineData("malformed_not_a_matfile.mat", "not a MAT-file")]
    [InlineData("malformed_truncated_v6.mat", "truncated")]
    [InlineData("octave_v7_logical_sparse_bug.mat", "holds 3 values")]
    public void RejectionSaysWhatIsWrong(string name, string problem)
    {
        var e = Assert.Throws<MatFormatException>(() => MatCorpus.ReadAll(Path.Combine(MatCorpus.Dev, name)));
        Assert.Contains(problem, e.Problem);
    }

    [Fact]
    public void FormatIsDetectedFromTheHeader()
    {
        using (var v4 = MatFile.Open(Path.Combine(MatCorpus.Dev, "testdouble_4.2c_SOL2.mat"))) Assert.Equal(MatFileFormat.Level4, v4.Format);
        using (var v5 = MatFile.Open(Path.Combine(MatCorpus.SarusV5, "sarus_like_000.mat"))) Assert.Equal(MatFileFormat.Level5, v5.Format);
        using (var v73 = MatFile.Open(Path.Combine(MatCorpus.SarusV73, "sarus_like_000.mat"))) Assert.Equal(MatFileFormat.Hdf5, v73.Format);
    }

    [Fact]
    public void ListingReadsHeadersOnly()
    {
        // The zlib data of 'datagrid' is corrupt past its header: listing works, decoding fails,
        // and the other variables still decode.
        using var mat = MatFile.Open(Path.Combine(MatCorpus.Dev, "corrupted_zlib_data.mat"));
        Assert.Equal(["dates", "dscodes", "datagrid"], mat.Variables.Select(v => v.Name));
        var info = mat.Variables[2];
        Assert.Equal(MatClass.Single, info.Class);
        Assert.Equal([6694, 1], info.Dimensions);
        Assert.Equal([0, 1], mat.Read("dates").Dimensions);
        var e = Assert.Throws<MatFormatException>(() => mat.Read("datagrid"));
        Assert.Equal("datagrid", e.Variable);
    }

    [Theory]
    [InlineData("v5")]
    [InlineData("v73")]
    public void StructPathReadsOneField(string folder)
    {
        string file = Path.Combine(folder == "v5" ? MatCorpus.SarusV5 : MatCorpus.SarusV73, "sarus_like_000.mat");
        using var mat = MatFile.Open(file);
        var das = mat.Read(MatPath.Parse("low_res.das"))!;
        Assert.Equal([64, 64, 11], das.Dimensions);
        Assert.Equal("das", das.Name);
        var values = (double[])das.Real!;
        // First values of das in the expected JSON, column-major.
        Assert.Equal(0.018, values[0]);
        Assert.Equal(0.0563, values[1]);
        Assert.Null(mat.Read(MatPath.Parse("low_res.nope")));
        Assert.Null(mat.Read(MatPath.Parse("nothing")));
        var gauss = mat.Read(MatPath.Parse("conf_map(1).gauss"))!;
        Assert.Equal([128, 128], gauss.Dimensions);
    }

    [Fact]
    public void TruncatedV73FileIsRejected()
    {
        string copy = Path.Combine(Path.GetTempPath(), $"dp-trunc-{Guid.NewGuid():N}.mat");
        var bytes = File.ReadAllBytes(Path.Combine(MatCorpus.SarusV73, "sarus_like_000.mat"));
        File.WriteAllBytes(copy, bytes[..(bytes.Length - 1000)]);
        try
        {
            var e = Assert.Throws<MatFormatException>(() => MatCorpus.ReadAll(copy));
            Assert.Contains("truncated", e.Problem);
        }
        finally
        {
            File.Delete(copy);
        }
    }

    [Fact]
    public void PwshJsonOfGetMatVariableEqualsTheExpectedJsonForEveryCorpusFile()
    {
        // One pwsh process for the whole corpus; a marker object before each file splits the output.
        // -Depth 100 (the most ConvertTo-Json allows) keeps the deepest struct (testfile4, 17
        // levels) whole, where the default depth would write its inner values as type names.
        string script = $$"""
            $items = foreach ($f in Get-ChildItem -LiteralPath {{Pwsh.Quote(MatCorpus.Dev)}} -Filter *.mat) {
                [pscustomobject]@{ CorpusFile = $f.Name }
                Get-MatVariable -Path $f.FullName
            }
            ConvertTo-Json -InputObject @($items) -Depth 100
            """;
        var result = Pwsh.Command(script);
        var output = JsonDocument.Parse(result.Stdout).RootElement;
        var perFile = new Dictionary<string, List<JsonElement>>();
        List<JsonElement>? current = null;
        foreach (var item in output.EnumerateArray())
        {
            if (item.TryGetProperty("CorpusFile", out var marker)) perFile[marker.GetString()!] = current = [];
            else current!.Add(item);
        }

        var failures = new List<string>();
        foreach (var (name, items) in perFile)
        {
            string file = Path.Combine(MatCorpus.Dev, name);
            if (MatCorpus.IsReject(file))
            {
                if (items.Count != 0 || !result.Stderr.Contains(file)) failures.Add($"{name}: not rejected on stderr");
                continue;
            }
            var actual = JsonDocument.Parse(JsonSerializer.Serialize(items)).RootElement;
            failures.AddRange(CanonicalJson.Compare(MatCorpus.Expected(file), actual).Take(3).Select(d => $"{name}: {d}"));
        }
        Assert.Equal(106, perFile.Count);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void PwshJsonKeepsTheDeepestCorpusStructWholeAtDepth100AndSaysWhenTruncated()
    {
        string file = Path.Combine(MatCorpus.Dev, "testfile4.mat");
        var whole = Pwsh.Command($"Get-MatVariable -Path {Pwsh.Quote(file)} | ConvertTo-Json -AsArray -Depth 100");
        var shallow = Pwsh.Command($"Get-MatVariable -Path {Pwsh.Quote(file)} | ConvertTo-Json -AsArray -Depth 8");

        Assert.True(whole.ExitCode == 0, whole.Report);
        Assert.Empty(CanonicalJson.Compare(MatCorpus.Expected(file), JsonDocument.Parse(whole.Stdout).RootElement));
        Assert.DoesNotContain("truncated", whole.Stdout + whole.Stderr, StringComparison.OrdinalIgnoreCase);
        // Below the struct's depth, PowerShell warns rather than silently writing type names.
        Assert.Contains("truncated", shallow.Stdout + shallow.Stderr, StringComparison.OrdinalIgnoreCase);
        var truncated = JsonDocument.Parse(shallow.Stdout[shallow.Stdout.IndexOf('[')..]).RootElement;
        Assert.False(JsonElement.DeepEquals(JsonDocument.Parse(whole.Stdout).RootElement, truncated));
    }
}
