namespace DataPipeline.Engine.Mat;

/// <summary>
/// The struct paths (as Import-MatDataset's -DataVariable takes them) of every numeric array in a
/// MAT-file: top-level arrays by name, struct fields as a.b (nested to any depth), and fields of
/// struct arrays through their first element, a(1).b.
/// </summary>
public static class MatArrayPaths
{
    public static IReadOnlyList<string> Find(string file)
    {
        using var mat = MatFile.Open(file);
        var paths = new List<string>();
        foreach (var info in mat.Variables)
        {
            if (MatClass.HoldsNumbers(info.Class)) paths.Add(info.Name);
            // Only structs need decoding; listing the file already told the numeric arrays.
            else if (info.Class == MatClass.Struct) Walk(mat.Read(info.Name), info.Name, paths);
        }
        return paths;
    }

    private static void Walk(MatVariable value, string path, List<string> paths)
    {
        if (MatClass.HoldsNumbers(value.Class))
        {
            paths.Add(path);
            return;
        }
        if (value.Class != MatClass.Struct || value.Elements is not { Length: > 0 }) return;
        // A struct array needs an index in a path (MatPath); the first element stands for the rest.
        string prefix = value.Count == 1 ? path : path + "(1)";
        var fields = value.StructElement(0);
        foreach (var name in value.Fields ?? [])
        {
            if (fields.TryGetValue(name, out var field)) Walk(field, $"{prefix}.{name}", paths);
        }
    }
}
