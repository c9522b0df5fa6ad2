using System.Buffers.Binary;
using System.Text;
using static DataPipeline.Engine.Mat.MatNumbers;

namespace DataPipeline.Engine.Mat;

/// <summary>
/// Decodes the body of one level 5 miMATRIX element held in memory (read from the file or inflated
/// from an miCOMPRESSED element). Every length is checked against the bytes of its container before
/// it is used, so a hostile file costs at most the memory its element occupies.
/// </summary>
internal sealed class Level5ArrayDecoder
{
    /// <summary>
    /// Dense expansion of a sparse matrix is refused above this many values (128 MiB of doubles): a
    /// few bytes of file can declare a huge sparse size, and FORMAT.md's values are dense.
    /// </summary>
    internal const long MaxSparseExpansion = 1L << 24;

    private const int ClassCell = 1, ClassStruct = 2, ClassObject = 3, ClassChar = 4, ClassSparse = 5,
        ClassFunction = 16, ClassOpaque = 17;

    private readonly byte[] _buffer;
    private readonly bool _bigEndian;
    private readonly string _file;
    private readonly string? _variable;
    private readonly Func<int, string> _where;

    /// <param name="where">Turns a position in the buffer into a location a user can find in the file.</param>
    public Level5ArrayDecoder(byte[] buffer, bool bigEndian, string file, string? variable, Func<int, string> where)
    {
        _buffer = buffer;
        _bigEndian = bigEndian;
        _file = file;
        _variable = variable;
        _where = where;
    }

    private MatFormatException Error(int position, string problem) => new(_file, _variable, _where(position), problem);

    private readonly record struct Element(int Type, int Start, int Length, int Tag)
    {
        public int End => Start + Length;
    }

    private readonly record struct ArrayHeader(int ClassId, bool IsComplex, bool IsLogical, int Nzmax, int[] Dimensions, string Name);

    /// <summary>Reads one data element at <paramref name="pos"/> and moves past it (and its padding).</summary>
    private Element ReadElement(ref int pos, int end)
    {
        if (end - pos < 8)
            throw Error(pos, $"a data element starts here but only {end - pos} bytes of its container remain (a tag needs 8)");
        uint first = ReadUInt32(pos);
        int type;
        long length;
        int start;
        if (first >> 16 != 0)
        {
            // Small data element: type and length share the first 4 bytes, data is in the next 4.
            type = (int)(first & 0xFFFF);
            length = first >> 16;
            start = pos + 4;
            if (length > 4) throw Error(pos, $"small data element claims {length} bytes; at most 4 fit");
            pos += 8;
        }
        else
        {
            type = (int)first;
            length = ReadUInt32(pos + 4);
            start = pos + 8;
            if (length > end - start)
                throw Error(pos, $"data element of type {type} claims {length} bytes but only {end - start} remain in its container");
            long next = start + ((length + 7) & ~7L);
            pos = (int)Math.Min(next, end);
        }
        return new Element(type, start, (int)length, pos);
    }

    private uint ReadUInt32(int pos) => _bigEndian
        ? BinaryPrimitives.ReadUInt32BigEndian(_buffer.AsSpan(pos))
        : BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(pos));

    private ReadOnlySpan<byte> Data(Element e) => _buffer.AsSpan(e.Start, e.Length);

    /// <summary>Class, size and name of the array whose body is [start, end), without its values.</summary>
    public MatVariableInfo ReadInfo(int start, int end)
    {
        int pos = start;
        if (start == end) return new MatVariableInfo("", MatClass.Double, [0, 0], false, false);
        var header = ReadHeader(ref pos, end);
        string cls = ClassName(header, pos);
        int[] dims = header.Dimensions;
        if (header.ClassId == ClassOpaque) dims = OpaquePayloadDimensions(ref pos, end);
        return new MatVariableInfo(header.Name, cls, dims, header.IsComplex, header.ClassId == ClassSparse);
    }

    /// <summary>Decodes the array whose body (after its miMATRIX tag) is [start, end).</summary>
    public MatVariable ReadArray(int start, int end)
    {
        // A zero-length miMATRIX is MATLAB's [] (FORMAT.md 2.2).
        if (start == end) return MatVariable.Numeric(null, MatClass.Double, [0, 0], Array.Empty<double>());
        int pos = start;
        var header = ReadHeader(ref pos, end);
        string? name = header.Name.Length == 0 ? null : header.Name;
        string cls = ClassName(header, start);
        long count;
        try
        {
            count = MatVariable.ElementCount(header.Dimensions);
        }
        catch (OverflowException)
        {
            throw Error(start, $"dimensions [{string.Join(", ", header.Dimensions)}] overflow when multiplied");
        }

        switch (header.ClassId)
        {
            case ClassCell:
                return ReadCell(name, header.Dimensions, count, ref pos, end);
            case ClassStruct:
                return ReadStruct(name, header.Dimensions, count, ref pos, end);
            case ClassObject:
                return MatVariable.Opaque(name, MatClass.Object, header.Dimensions);
            case ClassFunction:
                return MatVariable.Opaque(name, MatClass.FunctionHandle, header.Dimensions);
            case ClassOpaque:
                return MatVariable.Opaque(name, MatClass.Opaque, OpaquePayloadDimensions(ref pos, end));
            case ClassChar:
                return ReadChar(name, header.Dimensions, count, ref pos, end);
            case ClassSparse:
                return ReadSparse(name, header, cls, ref pos, end);
            default:
                return ReadNumeric(name, header, cls, count, ref pos, end);
        }
    }

    private ArrayHeader ReadHeader(ref int pos, int end)
    {
        int flagsAt = pos;
        var flags = ReadElement(ref pos, end);
        if (flags.Type != MiUInt32 || flags.Length != 8)
            throw Error(flagsAt, $"array flags must be 8 bytes of miUINT32; found type {flags.Type}, {flags.Length} bytes");
        uint word = ReadUInt32(flags.Start);
        int classId = (int)(word & 0xFF);
        // Only the documented bits count; MATLAB 6.5+ sets 0x10 on sparse arrays (FORMAT.md 2.1).
        bool isComplex = (word & 0x800) != 0;
        bool isLogical = (word & 0x200) != 0;
        int nzmax = (int)Math.Min(ReadUInt32(flags.Start + 4), int.MaxValue);
        if (classId is < 1 or > 17)
            throw Error(flagsAt, $"unknown array class {classId}");

        int[] dims = [];
        if (classId != ClassOpaque)
        {
            int dimsAt = pos;
            var d = ReadElement(ref pos, end);
            if (d.Type is not (MiInt32 or MiUInt32) || d.Length % 4 != 0 || d.Length < 8)
                throw Error(dimsAt, $"dimensions must be at least two int32 values; found type {d.Type}, {d.Length} bytes");
            dims = new int[d.Length / 4];
            for (int i = 0; i < dims.Length; i++)
            {
                uint raw = ReadUInt32(d.Start + 4 * i);
                if (raw > int.MaxValue)
                    throw Error(dimsAt, d.Type == MiUInt32
                        ? $"dimension {i + 1} is {raw}, which does not fit int32"
                        : $"dimension {i + 1} is negative ({(int)raw})");
                dims[i] = (int)raw;
            }
        }

        int nameAt = pos;
        var n = ReadElement(ref pos, end);
        if (n.Type is not (MiInt8 or MiUInt8 or MiUtf8))
            throw Error(nameAt, $"array name must be text (miINT8); found type {n.Type}");
        var nameBytes = Data(n);
        foreach (byte b in nameBytes)
        {
            if (b >= 0x80) throw Error(nameAt, "array name is not ASCII");
        }
        string name = Encoding.ASCII.GetString(nameBytes).TrimEnd('\0');
        return new ArrayHeader(classId, isComplex, isLogical, nzmax, dims, name);
    }

    private string ClassName(ArrayHeader header, int at) => header.ClassId switch
    {
        ClassCell => MatClass.Cell,
        ClassStruct => MatClass.Struct,
        ClassObject => MatClass.Object,
        ClassChar => MatClass.Char,
        ClassSparse => header.IsLogical ? MatClass.Logical : MatClass.Double,
        6 => MatClass.Double,
        7 => MatClass.Single,
        8 => MatClass.Int8,
        9 => header.IsLogical ? MatClass.Logical : MatClass.UInt8,
        10 => MatClass.Int16,
        11 => MatClass.UInt16,
        12 => MatClass.Int32,
        13 => MatClass.UInt32,
        14 => MatClass.Int64,
        15 => MatClass.UInt64,
        ClassFunction => MatClass.FunctionHandle,
        ClassOpaque => MatClass.Opaque,
        _ => throw Error(at, $"unknown array class {header.ClassId}"),
    };

    /// <summary>
    /// An opaque (MCOS) array stores no size of its own: after its name come the type system and
    /// class name, then a miMATRIX payload whose size FORMAT.md reports.
    /// </summary>
    private int[] OpaquePayloadDimensions(ref int pos, int end)
    {
        ReadElement(ref pos, end); // type system, e.g. "MCOS"
        ReadElement(ref pos, end); // class name, e.g. "string"
        int at = pos;
        var payload = ReadElement(ref pos, end);
        if (payload.Type != MiMatrix) throw Error(at, $"opaque value's payload must be miMATRIX; found type {payload.Type}");
        if (payload.Length == 0) return [0, 0];
        int inner = payload.Start;
        var header = ReadHeader(ref inner, payload.End);
        return header.ClassId == ClassOpaque ? OpaquePayloadDimensions(ref inner, payload.End) : header.Dimensions;
    }

    private Element ReadValues(ref int pos, int end, string what)
    {
        int at = pos;
        var e = ReadElement(ref pos, end);
        if (SizeOf(e.Type) == 0) throw Error(at, $"{what} must be numbers; found storage type {e.Type}");
        return e;
    }

    private MatVariable ReadNumeric(string? name, ArrayHeader header, string cls, long count, ref int pos, int end)
    {
        int at = pos;
        var real = ReadValues(ref pos, end, "real part");
        CheckCount(real, count, at);
        Array realValues = MatNumbers.Convert(Data(real), real.Type, (int)count, _bigEndian, cls);
        Array? imagValues = null;
        if (header.IsComplex)
        {
            at = pos;
            var imag = ReadValues(ref pos, end, "imaginary part");
            CheckCount(imag, count, at);
            imagValues = MatNumbers.Convert(Data(imag), imag.Type, (int)count, _bigEndian, cls);
        }
        return MatVariable.Numeric(name, cls, header.Dimensions, realValues, imagValues);
    }

    private void CheckCount(Element e, long count, int at)
    {
        if (e.Length != count * SizeOf(e.Type))
            throw Error(at, $"holds {e.Length / SizeOf(e.Type)} values of storage type {e.Type} but its dimensions need {count}");
    }

    private MatVariable ReadChar(string? name, int[] dims, long count, ref int pos, int end)
    {
        int at = pos;
        var e = ReadElement(ref pos, end);
        var data = Data(e);
        char[] units;
        switch (e.Type)
        {
            case MiUtf8:
                // Invalid sequences become U+FFFD, as MATLAB and scipy show them (FORMAT.md 2.4).
                units = Encoding.UTF8.GetChars(data.ToArray());
                break;
            case MiUtf32:
                units = Encoding.UTF32.GetChars(data.ToArray());
                if (_bigEndian) units = new UTF32Encoding(bigEndian: true, byteOrderMark: false).GetChars(data.ToArray());
                break;
            default:
                int size = SizeOf(e.Type);
                if (size == 0) throw Error(at, $"character data has storage type {e.Type}, which holds no characters");
                if (e.Length % size != 0) throw Error(at, $"character data of {e.Length} bytes is not a whole number of {size}-byte units");
                units = new char[e.Length / size];
                for (int i = 0; i < units.Length; i++) units[i] = (char)MatNumbers.ReadDouble(data, e.Type, i, _bigEndian);
                break;
        }
        // MATLAB writes some blank char arrays (a struct field holding ' ') with no data at all;
        // MATLAB and scipy load them as spaces (nasty_duplicate_fieldnames.mat).
        if (units.Length == 0 && count > 0 && count <= end - at) units = new string(' ', (int)count).ToCharArray();
        if (units.Length != count)
            throw Error(at, $"holds {units.Length} characters but its dimensions [{string.Join(", ", dims)}] need {count}");
        try
        {
            return MatVariable.CharFromUnits(name, dims, units);
        }
        catch (InvalidDataException tooMany)
        {
            throw Error(at, tooMany.Message);
        }
    }

    private MatVariable ReadCell(string? name, int[] dims, long count, ref int pos, int end)
    {
        // Every element needs at least an 8-byte tag, which bounds the list before it is allocated.
        if (count > (end - pos) / 8) throw Error(pos, $"cell of {count} elements cannot fit in the {end - pos} bytes left");
        var elements = new MatVariable[count];
        for (long i = 0; i < count; i++) elements[i] = ReadChild(ref pos, end);
        return MatVariable.Cell(name, dims, elements);
    }

    private MatVariable ReadChild(ref int pos, int end)
    {
        int at = pos;
        var e = ReadElement(ref pos, end);
        if (e.Type != MiMatrix) throw Error(at, $"expected an miMATRIX element; found type {e.Type}");
        return ReadArray(e.Start, e.End);
    }

    private MatVariable ReadStruct(string? name, int[] dims, long count, ref int pos, int end)
    {
        int at = pos;
        var lengthElement = ReadElement(ref pos, end);
        if (lengthElement.Type is not (MiInt32 or MiUInt32) || lengthElement.Length != 4)
            throw Error(at, "struct field name length must be one int32");
        int nameLength = (int)ReadUInt32(lengthElement.Start);
        at = pos;
        var namesElement = ReadElement(ref pos, end);
        if (namesElement.Type is not (MiInt8 or MiUInt8 or MiUtf8))
            throw Error(at, $"struct field names must be text; found type {namesElement.Type}");
        if (nameLength <= 0 ? namesElement.Length != 0 : namesElement.Length % nameLength != 0)
            throw Error(at, $"{namesElement.Length} bytes of field names are not a whole number of {nameLength}-byte names");
        int fieldCount = nameLength <= 0 ? 0 : namesElement.Length / nameLength;
        var fields = new string[fieldCount];
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int f = 0; f < fieldCount; f++)
        {
            var raw = _buffer.AsSpan(namesElement.Start + f * nameLength, nameLength);
            int zero = raw.IndexOf((byte)0);
            string field = Encoding.ASCII.GetString(zero < 0 ? raw : raw[..zero]);
            // scipy's rule for repeated names (FORMAT.md 2.5): the k-th repeat becomes _k_NAME.
            if (seen.TryGetValue(field, out int repeats))
            {
                seen[field] = repeats + 1;
                field = $"_{repeats}_{field}";
            }
            else
            {
                seen[field] = 1;
            }
            fields[f] = field;
        }

        if (fieldCount > 0 && count > (end - pos) / 8 / fieldCount)
            throw Error(pos, $"struct array of {count} elements and {fieldCount} fields cannot fit in the {end - pos} bytes left");
        var elements = new Dictionary<string, MatVariable>[count];
        for (long i = 0; i < count; i++)
        {
            var element = new Dictionary<string, MatVariable>(fieldCount, StringComparer.Ordinal);
            foreach (string field in fields) element[field] = ReadChild(ref pos, end).Renamed(field);
            elements[i] = element;
        }
        return MatVariable.Struct(name, dims, fields, elements);
    }

    private MatVariable ReadSparse(string? name, ArrayHeader header, string cls, ref int pos, int end)
    {
        int[] dims = header.Dimensions;
        if (dims.Length != 2) throw Error(pos, $"a sparse array must be two-dimensional; got [{string.Join(", ", dims)}]");
        int rows = dims[0], columns = dims[1];
        long total = (long)rows * columns;
        if (total > MaxSparseExpansion)
            throw Error(pos, $"sparse {rows}x{columns} matrix is too large to expand to a dense list");

        int irAt = pos;
        var ir = ReadValues(ref pos, end, "sparse row indices");
        int jcAt = pos;
        var jc = ReadValues(ref pos, end, "sparse column starts");
        int jcCount = jc.Length / SizeOf(jc.Type);
        if (jcCount < columns + 1)
            throw Error(jcAt, $"sparse matrix with {columns} columns needs {columns + 1} column starts; found {jcCount}");
        long stored = ReadInt64(Data(jc), jc.Type, columns, _bigEndian);
        int irCount = ir.Length / SizeOf(ir.Type);
        if (stored < 0 || stored > irCount)
            throw Error(jcAt, $"sparse matrix claims {stored} stored values but has {irCount} row indices");

        int prAt = pos;
        var pr = ReadValues(ref pos, end, "sparse values");
        Element? pi = header.IsComplex ? ReadValues(ref pos, end, "sparse imaginary values") : null;

        Array real = NewValues(cls, (int)total);
        Array? imag = header.IsComplex ? NewValues(cls, (int)total) : null;
        // MATLAB tags logical sparse data as miDOUBLE but stores one byte per value (logical_sparse.mat).
        int prType = cls == MatClass.Logical && pr.Length < stored * SizeOf(pr.Type) && pr.Length >= stored ? MiUInt8 : pr.Type;
        if (pr.Length < stored * SizeOf(prType))
            throw Error(prAt, $"sparse matrix claims {stored} stored values but its data holds {pr.Length / SizeOf(prType)}");
        if (pi is { } p && p.Length < stored * SizeOf(p.Type))
            throw Error(prAt, $"sparse matrix claims {stored} stored values but its imaginary data holds {p.Length / SizeOf(p.Type)}");

        var irData = Data(ir);
        var jcData = Data(jc);
        long previous = 0;
        for (int c = 0; c < columns; c++)
        {
            long from = ReadInt64(jcData, jc.Type, c, _bigEndian);
            long to = ReadInt64(jcData, jc.Type, c + 1, _bigEndian);
            if (from < previous || to < from || to > stored)
                throw Error(jcAt, $"sparse column starts are not increasing within [0, {stored}] at column {c + 1}");
            previous = from;
            for (long k = from; k < to; k++)
            {
                long r = ReadInt64(irData, ir.Type, (int)k, _bigEndian);
                if (r < 0 || r >= rows) throw Error(irAt, $"sparse row index {r} is outside 0..{rows - 1}");
                long target = r + (long)c * rows;
                SetValue(real, target, Data(pr), prType, (int)k);
                if (pi is { } pie) SetValue(imag!, target, Data(pie), pie.Type, (int)k);
            }
        }
        return MatVariable.Numeric(name, cls, dims, real, imag, isSparse: true);
    }

    private static Array NewValues(string cls, int count) => cls == MatClass.Logical ? new byte[count] : new double[count];

    private void SetValue(Array target, long index, ReadOnlySpan<byte> source, int miType, int k)
    {
        if (target is byte[] logical) logical[index] = MatNumbers.ReadDouble(source, miType, k, _bigEndian) != 0 ? (byte)1 : (byte)0;
        else ((double[])target)[index] = MatNumbers.ReadDouble(source, miType, k, _bigEndian);
    }
}
