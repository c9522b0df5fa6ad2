using System.Globalization;
using System.Text.RegularExpressions;

namespace DataPipeline.Engine.Mat;

/// <summary>
/// A path to a value inside a MAT-file as MATLAB would write it: <c>low_res.das</c>,
/// <c>frames(3).img</c>, <c>c(2)</c> (1-based linear indices into struct and cell arrays).
/// </summary>
public sealed partial class MatPath
{
    private MatPath(string text, string variable, IReadOnlyList<(string? Field, int? Index)> steps)
    {
        Text = text;
        Variable = variable;
        Steps = steps;
    }

    public string Text { get; }

    /// <summary>The top-level variable the path starts at.</summary>
    public string Variable { get; }

    /// <summary>After the variable: a field name, or a 1-based index.</summary>
    public IReadOnlyList<(string? Field, int? Index)> Steps { get; }

    /// <summary>True when every step is a field of a 1x1 struct (the form v7.3 can read without decoding siblings).</summary>
    public bool FieldsOnly => Steps.All(s => s.Field is not null);

    [GeneratedRegex(@"\G(?:\.(?<field>[A-Za-z_][A-Za-z0-9_]*)|\((?<index>[0-9]+)\))")]
    private static partial Regex StepPattern();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*")]
    private static partial Regex NamePattern();

    public static MatPath Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var name = NamePattern().Match(text);
        if (!name.Success) throw new FormatException($"'{text}' is not a MATLAB variable path such as low_res.das or frames(3).img.");
        var steps = new List<(string?, int?)>();
        int at = name.Length;
        while (at < text.Length)
        {
            var m = StepPattern().Match(text, at);
            if (!m.Success) throw new FormatException($"'{text}' is not a MATLAB variable path: cannot read '{text[at..]}' (use .field or (index)).");
            if (m.Groups["field"].Success) steps.Add((m.Groups["field"].Value, null));
            else
            {
                int index = int.Parse(m.Groups["index"].Value, CultureInfo.InvariantCulture);
                if (index < 1) throw new FormatException($"'{text}': MATLAB indices start at 1.");
                steps.Add((null, index));
            }
            at += m.Length;
        }
        return new MatPath(text, name.Value, steps);
    }

    /// <summary>Follows the steps after the variable; null when the path does not exist in this value.</summary>
    public MatVariable? Resolve(MatVariable root)
    {
        var current = root;
        int? index = null;
        foreach (var (field, step) in Steps)
        {
            if (step is int i)
            {
                if (current.Class is not (MatClass.Struct or MatClass.Cell) || i > current.Count) return null;
                if (current.Class == MatClass.Cell) current = current.CellElement(i - 1);
                else index = i - 1;
                continue;
            }
            // Without an index, a field of a struct array is ambiguous (MATLAB gives a list); only 1x1 qualifies.
            if (current.Class != MatClass.Struct || (index is null && current.Count != 1)) return null;
            if (!current.StructElement(index ?? 0).TryGetValue(field!, out var next)) return null;
            current = next;
            index = null;
        }
        // An index into a struct array with no field after it selects that element.
        if (index is int last && current.Count != 1)
        {
            var element = current.StructElement(last);
            return MatVariable.Struct(current.Name, [1, 1], current.Fields!, [element]);
        }
        return current;
    }

    public override string ToString() => Text;
}
