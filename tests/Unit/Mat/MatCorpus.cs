using System.Text.Json;
using DataPipeline.Engine.Mat;
using DataPipeline.Host;

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

    /// <summary>Every variable decoded, as the JSON dpsh writes for Get-MatVariable.</summary>
    public static List<MatVariable> ReadAll(string file)
    {
        using var mat = MatFile.Open(file);
        return mat.Variables.Select(v => mat.Read(v.Name)).ToList();
    }

    public static JsonElement Json(IEnumerable<object?> values) =>
        JsonDocument.Parse(JsonOutputWriter.Serialize(values)).RootElement;
}
