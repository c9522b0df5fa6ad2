using System.Text.Json;
using DataPipeline.Engine.Mat;
using System.Text.Json.Serialization;

namespace DataPipeline.Tests.Mat;

/// <summary>The MAT conformance corpus in ../shared/corpus and the canonical JSON of our reader.</summary>
internal static class MatCorpus
{
    public static string Dev => Path.Combine(SharedPaths.Shared, "corpus", "mat", "dev");
    public static string SarusV5 => Path.Combine(SharedPaths.Shared, "corpus", "sarus-like", "v5");
    public static string SarusV73 => Path.Combine(SharedPaths.Shared, "corpus", "sarus-like", "v73");

    public static JsonElement Expected(string matFile) =>
        JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(matFile, ".json"))).RootElement;

    public static bool IsReject(string matFile) =>
        Expected(matFile) is { ValueKind: JsonValueKind.Object } e && e.GetProperty("Error").GetBoolean();

    public static IEnumerable<object[]> Files(string folder, bool rejects) =>
        Directory.GetFiles(folder, "*.mat").Order(StringComparer.Ordinal)
            .Where(f => IsReject(f) == rejects)
            .Select(f => new object[] { Path.GetFileName(f) });

    /// <summary>Every variable decoded, as Get-MatVariable emits them.</summary>
    public static List<MatVariable> ReadAll(string file)
    {
        using var mat = MatFile.Open(file);
        return mat.Variables.Select(v => mat.Read(v.Name)).ToList();
    }

    /// <summary>
    /// Values as JSON of their public properties, the canonical form of FORMAT.md (NaN and the
    /// infinities as strings). pwsh's ConvertTo-Json of the same objects is compared to the corpus
    /// in MatReaderTests; this is the in-process form for the reader's and writer's own tests.
    /// </summary>
    public static JsonElement Json(IEnumerable<object?> values) =>
        JsonSerializer.SerializeToElement(values.ToArray(), Options);

    private static readonly JsonSerializerOptions Options = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        MaxDepth = 1024,
    };
}
