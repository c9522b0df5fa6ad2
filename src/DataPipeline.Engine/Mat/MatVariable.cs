using System.Globalization;

namespace DataPipeline.Engine.Mat;

/// <summary>
/// One MATLAB value: a top-level variable, a struct field or a cell element. Its public properties are
/// the canonical form of shared/corpus/mat/FORMAT.md, so `Get-MatVariable | ConvertTo-Json -Depth 100`
/// of a variable is that document. Values are column-major (MATLAB order); properties that do not apply to the class
/// are null.
/// </summary>
public sealed class MatVariable
{
    private MatVariable(string? name, string cls, int[] dimensions, bool isComplex, bool isSparse)
    {
        Name = name;
        Class = cls;
        Dimensions = dimensions;
        IsComplex = isComplex;
        IsSparse = isSparse;
    }

    /// <summary>Variable or field name; null for cell elements.</summary>
    public string? Name { get; private set; }

    /// <summary>MATLAB class (see <see cref="MatClass"/>).</summary>
    public string Class { get; }

    /// <summary>MATLAB size, at least two entries.</summary>
    public int[] Dimensions { get; }

    public bool IsComplex { get; }

    public bool IsSparse { get; }

    /// <summary>
    /// Real parts, column-major, dense even for sparse arrays: double[] for double and single,
    /// long[] for integer classes up to int64/uint32, ulong[] for uint64, byte[] (0/1) for logical.
    /// </summary>
    public Array? Real { get; private init; }

    /// <summary>Imaginary parts when <see cref="IsComplex"/>, same type and length as Real.</summary>
    public Array? Imag { get; private init; }

    /// <summary>Char arrays: one string per row of the two-dimensional view.</summary>
    public string[]? Text { get; private init; }

    /// <summary>Struct field names in stored order.</summary>
    public string[]? Fields { get; private init; }

    /// <summary>
    /// Struct: one field-name-to-value dictionary per element; cell: one MatVariable per element.
    /// Column-major order.
    /// </summary>
    public object[]? Elements { get; private init; }

    /// <summary>prod(Dimensions).</summary>
    public long Count => ElementCount(Dimensions);

    internal static long ElementCount(IReadOnlyList<int> dims)
    {
        long n = 1;
        foreach (int d in dims) n = checked(n * d);
        return n;
    }

    public static MatVariable Numeric(string? name, string cls, int[] dimensions, Array real, Array? imag = null, bool isSparse = false)
    {
        if (!MatClass.HoldsNumbers(cls)) throw new ArgumentException($"'{cls}' is not a numeric or logical class.", nameof(cls));
        CheckDimensions(dimensions);
        if (real.Length != ElementCount(dimensions))
            throw new ArgumentException($"{real.Length} values do not fill [{string.Join(", ", dimensions)}].", nameof(real));
        if (imag is not null && imag.Length != real.Length)
            throw new ArgumentException("Imag must have as many values as Real.", nameof(imag));
        return new MatVariable(name, cls, dimensions, imag is not null, isSparse) { Real = real, Imag = imag };
    }

    /// <summary>A double array from column-major values.</summary>
    public static MatVariable Doubles(string? name, double[] columnMajor, params int[] dimensions) =>
        Numeric(name, MatClass.Double, dimensions, columnMajor);

    /// <summary>A char array from rows of equal length.</summary>
    public static MatVariable Char(string? name, params string[] rows)
    {
        int width = rows.Length == 0 ? 0 : rows[0].Length;
        if (rows.Any(r => r.Length != width)) throw new ArgumentException("Every row of a char matrix has the same length.", nameof(rows));
        return new MatVariable(name, MatClass.Char, rows.Length == 0 ? [0, 0] : [rows.Length, width], false, false) { Text = rows };
    }

    /// <summary>
    /// An empty char array lists one "" per row, and a few bytes of file can declare billions of
    /// rows; more rows than this in an empty array are refused.
    /// </summary>
    internal const int MaxEmptyTextRows = 1 << 16;

    /// <exception cref="InvalidDataException">An empty array with more than <see cref="MaxEmptyTextRows"/> rows.</exception>
    internal static MatVariable CharFromUnits(string? name, int[] dimensions, ReadOnlySpan<char> columnMajor)
    {
        int rows = dimensions[0];
        if (columnMajor.Length == 0 && rows > MaxEmptyTextRows)
            throw new InvalidDataException($"an empty char array with {rows} rows is beyond what the reader lists");
        int columns = rows == 0 ? 0 : columnMajor.Length / rows;
        var text = new string[rows];
        var row = new char[columns];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++) row[c] = columnMajor[r + c * rows];
            text[r] = new string(row);
        }
        return new MatVariable(name, MatClass.Char, dimensions, false, false) { Text = text };
    }

    public static MatVariable Cell(string? name, int[] dimensions, IReadOnlyList<MatVariable> elements)
    {
        CheckDimensions(dimensions);
        if (elements.Count != ElementCount(dimensions)) throw new ArgumentException("A cell needs one element per position.", nameof(elements));
        foreach (var e in elements) e.Name = null;
        return new MatVariable(name, MatClass.Cell, dimensions, false, false) { Elements = elements.Cast<object>().ToArray() };
    }

    public static MatVariable Struct(string? name, int[] dimensions, string[] fields, IReadOnlyList<IReadOnlyDictionary<string, MatVariable>> elements)
    {
        CheckDimensions(dimensions);
        if (elements.Count != ElementCount(dimensions)) throw new ArgumentException("A struct array needs one element per position.", nameof(elements));
        var copies = new object[elements.Count];
        for (int i = 0; i < elements.Count; i++)
        {
            var element = new Dictionary<string, MatVariable>(fields.Length, StringComparer.Ordinal);
            foreach (string field in fields)
            {
                if (!elements[i].TryGetValue(field, out var value))
                    throw new ArgumentException($"Element {i + 1} has no field '{field}'.", nameof(elements));
                value.Name = field;
                element[field] = value;
            }
            copies[i] = element;
        }
        return new MatVariable(name, MatClass.Struct, dimensions, false, false) { Fields = fields, Elements = copies };
    }

    /// <summary>Function handles, objects and opaque values: reported with their class and stored size only.</summary>
    internal static MatVariable Opaque(string? name, string cls, int[] dimensions) => new(name, cls, dimensions, false, false);

    /// <summary>The same value under another name (a struct field's node carries the field name).</summary>
    internal MatVariable Renamed(string? name)
    {
        Name = name;
        return this;
    }

    private static void CheckDimensions(int[] dimensions)
    {
        if (dimensions.Length < 2) throw new ArgumentException("MATLAB arrays have at least two dimensions.", nameof(dimensions));
        if (dimensions.Any(d => d < 0)) throw new ArgumentException("Dimensions cannot be negative.", nameof(dimensions));
    }

    /// <summary>Struct elements, typed.</summary>
    public IReadOnlyDictionary<string, MatVariable> StructElement(int index) =>
        Elements?[index] as IReadOnlyDictionary<string, MatVariable>
            ?? throw new InvalidOperationException($"'{Name}' is a {Class}, not a struct.");

    /// <summary>Cell elements, typed.</summary>
    public MatVariable CellElement(int index) =>
        Elements?[index] as MatVariable ?? throw new InvalidOperationException($"'{Name}' is a {Class}, not a cell.");

    /// <summary>The real or imaginary parts as doubles (integers and logicals converted), column-major.</summary>
    public double[] ToDoubleArray(bool imaginary = false)
    {
        var source = (imaginary ? Imag : Real)
            ?? throw new InvalidOperationException(imaginary ? $"'{Name}' has no imaginary part." : $"'{Name}' is a {Class}, which holds no numbers.");
        switch (source)
        {
            case double[] d: return d;
            case long[] l: return Array.ConvertAll(l, v => (double)v);
            case ulong[] u: return Array.ConvertAll(u, v => (double)v);
            case byte[] b: return Array.ConvertAll(b, v => (double)v);
            default: throw new InvalidOperationException($"Unexpected value array {source.GetType().Name}.");
        }
    }

    public override string ToString()
    {
        string size = string.Join("x", Dimensions.Select(d => d.ToString(CultureInfo.InvariantCulture)));
        string kind = (IsSparse ? "sparse " : "") + (IsComplex ? "complex " : "") + Class;
        return Name is null ? $"{size} {kind}" : $"{Name}: {size} {kind}";
    }
}
