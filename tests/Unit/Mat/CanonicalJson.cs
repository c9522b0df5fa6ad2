using System.Text.Json;

namespace DataPipeline.Tests.Mat;

/// <summary>
/// The comparison rules of shared/corpus/mat/FORMAT.md section 5 (what tools/mat_compare.py does):
/// exact for names, classes, sizes, flags, text, fields, integers and logicals; relative 1e-12 for
/// double and single values; NaN/Infinity as strings; property names case-insensitive; properties
/// the expected node lacks are ignored.
/// </summary>
internal static class CanonicalJson
{
    public static List<string> Compare(JsonElement expected, JsonElement actual)
    {
        var diffs = new List<string>();
        if (expected.GetArrayLength() != actual.GetArrayLength())
        {
            diffs.Add($"$: expected {expected.GetArrayLength()} variables, got {actual.GetArrayLength()}");
            return diffs;
        }
        int i = 0;
        foreach (var (e, a) in expected.EnumerateArray().Zip(actual.EnumerateArray()))
            Node(e, a, $"$[{i++}]", topLevel: true, diffs);
        return diffs;
    }

    private static JsonElement? Property(JsonElement obj, string name)
    {
        foreach (var p in obj.EnumerateObject())
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase) && p.Value.ValueKind != JsonValueKind.Null) return p.Value;
        return null;
    }

    private static void Node(JsonElement e, JsonElement a, string path, bool topLevel, List<string> diffs)
    {
        if (a.ValueKind != JsonValueKind.Object) { diffs.Add($"{path}: not an object"); return; }
        string cls = e.GetProperty("Class").GetString()!;
        foreach (var p in e.EnumerateObject())
        {
            var actual = Property(a, p.Name);
            string where = $"{path}.{p.Name}";
            if (p.Name == "Name" && !topLevel && actual is null) continue;
            if (actual is null) { diffs.Add($"{where}: missing"); continue; }
            switch (p.Name)
            {
                case "Real" or "Imag":
                    Values(p.Value, actual.Value, where, cls is "double" or "single", diffs);
                    break;
                case "Elements":
                    Elements(p.Value, actual.Value, where, cls, diffs);
                    break;
                default:
                    if (!JsonElement.DeepEquals(p.Value, actual.Value))
                        diffs.Add($"{where}: expected {p.Value.GetRawText()}, got {Short(actual.Value)}");
                    break;
            }
        }
    }

    private static string Short(JsonElement v) { string t = v.GetRawText(); return t.Length > 200 ? t[..200] + "..." : t; }

    private static void Values(JsonElement e, JsonElement a, string path, bool floating, List<string> diffs)
    {
        if (e.GetArrayLength() != a.GetArrayLength()) { diffs.Add($"{path}: expected {e.GetArrayLength()} values, got {a.GetArrayLength()}"); return; }
        int i = 0;
        foreach (var (x, y) in e.EnumerateArray().Zip(a.EnumerateArray()))
        {
            bool same = (x.ValueKind, y.ValueKind) switch
            {
                (JsonValueKind.String, JsonValueKind.String) => x.GetString() == y.GetString(),
                (JsonValueKind.Number, JsonValueKind.Number) when floating => Close(x.GetDouble(), y.GetDouble()),
                (JsonValueKind.Number, JsonValueKind.Number) => decimal.Parse(x.GetRawText()) == decimal.Parse(y.GetRawText()),
                _ => false,
            };
            if (!same) { diffs.Add($"{path}[{i}]: expected {x.GetRawText()}, got {y.GetRawText()}"); if (diffs.Count > 20) return; }
            i++;
        }
    }

    private static bool Close(double a, double b) => a == b || Math.Abs(a - b) <= 1e-12 * Math.Max(Math.Abs(a), Math.Abs(b));

    private static void Elements(JsonElement e, JsonElement a, string path, string cls, List<string> diffs)
    {
        if (e.GetArrayLength() != a.GetArrayLength()) { diffs.Add($"{path}: expected {e.GetArrayLength()} elements, got {a.GetArrayLength()}"); return; }
        int i = 0;
        foreach (var (x, y) in e.EnumerateArray().Zip(a.EnumerateArray()))
        {
            string where = $"{path}[{i++}]";
            if (cls == "cell") { Node(x, y, where, topLevel: false, diffs); continue; }
            foreach (var field in x.EnumerateObject())
            {
                if (!y.TryGetProperty(field.Name, out var value)) { diffs.Add($"{where}.{field.Name}: missing field"); continue; }
                Node(field.Value, value, $"{where}.{field.Name}", topLevel: false, diffs);
            }
        }
    }
}
