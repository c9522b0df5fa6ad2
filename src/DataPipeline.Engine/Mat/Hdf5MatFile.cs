using System.Buffers.Binary;
using System.Text;
using PureHDF;
using PureHDF.VOL.Native;

namespace DataPipeline.Engine.Mat;

/// <summary>
/// A MATLAB v7.3 file: HDF5 after a 512-byte MAT header, read through PureHDF. MATLAB's conventions
/// sit in attributes (MATLAB_class, MATLAB_empty, MATLAB_sparse, MATLAB_fields,
/// MATLAB_object_decode); cells and struct arrays are datasets of object references into #refs#;
/// dimensions are the HDF5 shape reversed. Only the objects on the requested path are touched.
/// </summary>
internal sealed class Hdf5MatFile : IDisposable
{
    private readonly string _path;
    private readonly NativeFile _file;

    public Hdf5MatFile(string path, FileStream stream)
    {
        _path = path;
        CheckEndOfFile(stream);
        try
        {
            _file = H5File.Open(stream, leaveOpen: true);
        }
        catch (Exception e) when (e is not MatFormatException)
        {
            throw new MatFormatException(path, null, "byte 512", $"not a readable HDF5 file: {e.Message}", e);
        }
    }

    private static ReadOnlySpan<byte> HdfSignature => [0x89, (byte)'H', (byte)'D', (byte)'F', 0x0D, 0x0A, 0x1A, 0x0A];

    public void Dispose() => _file.Dispose();

    /// <summary>
    /// PureHDF opens truncated files without complaint, so compare the superblock's end-of-file
    /// address with the real length, as FORMAT.md section 3 asks.
    /// </summary>
    private void CheckEndOfFile(FileStream stream)
    {
        var superblock = new byte[64];
        int read = RandomAccess.Read(stream.SafeFileHandle, superblock, 512);
        if (read < 48 || !superblock.AsSpan(0, 8).SequenceEqual(HdfSignature))
            throw new MatFormatException(_path, null, "byte 512", "a v7.3 MAT header but no HDF5 superblock after it");
        int version = superblock[8];
        int eofAt = version switch { 0 => 40, 1 => 44, _ => 28 };
        if (version > 1 && superblock[9] != 8)
            throw new MatFormatException(_path, null, "byte 512", $"HDF5 offsets of {superblock[9]} bytes are not supported");
        ulong eof = BinaryPrimitives.ReadUInt64LittleEndian(superblock.AsSpan(eofAt));
        if ((ulong)stream.Length < eof)
            throw new MatFormatException(_path, null, "byte 512", $"the HDF5 superblock says the file ends at byte {eof} but it has {stream.Length}; the file is truncated");
    }

    private IReadOnlyList<MatVariableInfo>? _variables;

    public IReadOnlyList<MatVariableInfo> Variables => _variables ??= Guard(null, () =>
        SortedMembers(_file)
            .Select(child => Info(child))
            .ToList());

    public MatVariable Read(string name) => Guard(name, () =>
    {
        return Decode(_file.Get(name), name);
    });

    /// <summary>The value at a struct field path below a top-level variable, reading only the objects on the way.</summary>
    public MatVariable? ReadField(string variable, IReadOnlyList<string> fields) => Guard(variable, () =>
    {
        if (variable.StartsWith('#') || !_file.LinkExists(variable)) return null;
        IH5Object current = _file.Get(variable);
        foreach (string field in fields)
        {
            if (current is not NativeGroup group || IsSparse(group) || !group.LinkExists(field)) return null;
            current = group.Get(field);
            // Struct arrays keep references per field; those go through the general decoder.
            if (current is NativeDataset d && d.Type.Class == H5DataTypeClass.Reference && !d.AttributeExists("MATLAB_class")) return null;
        }
        return Decode(current, fields.Count == 0 ? variable : fields[^1]);
    });

    private T Guard<T>(string? variable, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is not MatFormatException)
        {
            // PureHDF reports almost every fault as a plain Exception (notes/purehdf.md).
            throw new MatFormatException(_path, variable, "HDF5 data", e.Message, e);
        }
    }

    private static IEnumerable<IH5Object> SortedMembers(NativeGroup group) =>
        group.Children()
            .Where(c => !c.Name.StartsWith('#'))
            .OrderBy(c => c.Name, Utf8Order.Instance);

    private MatVariableInfo Info(IH5Object item)
    {
        // Listing must not decode values; class and size come from attributes and shapes.
        string cls = ClassOf(item);
        int[] dims = item switch
        {
            NativeGroup g when IsSparse(g) => SparseDimensions(g),
            NativeGroup g when IsStructArray(g) => StructArrayDimensions(g),
            NativeGroup => [1, 1],
            NativeDataset d => Dimensions(d),
            _ => [0, 0],
        };
        bool complex = item is NativeDataset ds && ds.Type.Class == H5DataTypeClass.Compound
            || item is NativeGroup sg && IsSparse(sg) && sg.LinkExists("data") && ((NativeDataset)sg.Dataset("data")).Type.Class == H5DataTypeClass.Compound;
        return new MatVariableInfo(item.Name, cls, dims, complex, item is NativeGroup gg && IsSparse(gg));
    }

    private static string? StringAttribute(IH5Object item, string name) =>
        item.AttributeExists(name) ? item.Attribute(name).Read<string>() : null;

    private static long? IntegerAttribute(IH5Object item, string name)
    {
        if (!item.AttributeExists(name)) return null;
        var attribute = item.Attribute(name);
        return attribute.Type.Size switch
        {
            1 => attribute.Read<byte>(),
            2 => attribute.Read<ushort>(),
            4 => attribute.Read<int>(),
            _ => (long)attribute.Read<ulong>(),
        };
    }

    private static bool IsSparse(NativeGroup g) => g.AttributeExists("MATLAB_sparse");

    private static bool IsStructArray(NativeGroup g) =>
        g.Children().OfType<NativeDataset>().Any(d => d.Type.Class == H5DataTypeClass.Reference && !d.AttributeExists("MATLAB_class"));

    private static string ClassOf(IH5Object item)
    {
        long? decode = IntegerAttribute(item, "MATLAB_object_decode");
        if (decode == 3) return MatClass.Opaque;
        if (decode == 2) return MatClass.Object;
        string? cls = StringAttribute(item, "MATLAB_class");
        return cls switch
        {
            null => item is NativeGroup ? MatClass.Struct : MatClass.Double,
            "canonical empty" => MatClass.Double,
            "function_handle" => MatClass.FunctionHandle,
            _ => cls,
        };
    }

    private int[] Dimensions(NativeDataset d)
    {
        if (IntegerAttribute(d, "MATLAB_empty") is > 0)
        {
            // The content of an empty array's dataset is its MATLAB size, already in MATLAB order.
            if (StringAttribute(d, "MATLAB_class") == "canonical empty") return [0, 0];
            var stored = d.Read<ulong[]>();
            return stored.Length >= 2 ? stored.Select(v => checked((int)v)).ToArray() : [0, 0];
        }
        return Reversed(d.Space.Dimensions);
    }

    private static int[] Reversed(ulong[] shape)
    {
        var dims = Enumerable.Reverse(shape).Select(v => checked((int)v)).ToList();
        while (dims.Count < 2) dims.Add(1);
        return [.. dims];
    }

    private int[] SparseDimensions(NativeGroup g)
    {
        long rows = IntegerAttribute(g, "MATLAB_sparse") ?? 0;
        long columns = (long)((NativeDataset)g.Dataset("jc")).Space.Dimensions.Aggregate(1UL, (a, b) => a * b) - 1;
        return [checked((int)rows), checked((int)columns)];
    }

    private int[] StructArrayDimensions(NativeGroup g) =>
        Reversed(g.Children().OfType<NativeDataset>().First(d => d.Type.Class == H5DataTypeClass.Reference).Space.Dimensions);

    private MatVariable Decode(IH5Object item, string? name)
    {
        string cls = ClassOf(item);
        if (item is NativeGroup group)
        {
            if (IsSparse(group)) return DecodeSparse(group, name, cls);
            return DecodeStruct(group, name);
        }
        var d = (NativeDataset)item;
        int[] dims = Dimensions(d);
        long count = MatVariable.ElementCount(dims);
        switch (cls)
        {
            case MatClass.Opaque or MatClass.Object or MatClass.FunctionHandle:
                return MatVariable.Opaque(name, cls, dims);
            case MatClass.Cell:
                var refs = count == 0 ? [] : d.Read<NativeObjectReference1[]>();
                var cells = refs.Select(r => Decode(_file.Get(r), null)).ToList();
                return MatVariable.Cell(name, dims, cells);
            case MatClass.Struct:
                // An empty struct array is stored as a dataset holding its size.
                return MatVariable.Struct(name, dims, [], Enumerable.Range(0, (int)count).Select(_ => new Dictionary<string, MatVariable>()).ToList());
            case MatClass.Char:
                var units = count == 0 ? [] : d.Read<ushort[]>();
                return MatVariable.CharFromUnits(name, dims, units.Select(u => (char)u).ToArray());
        }
        if (!MatClass.HoldsNumbers(cls)) return MatVariable.Opaque(name, cls, dims);
        if (count == 0) return MatVariable.Numeric(name, cls, dims, EmptyValues(cls), d.Type.Class == H5DataTypeClass.Compound ? EmptyValues(cls) : null);
        var (real, imag) = ReadNumbers(d, cls);
        return MatVariable.Numeric(name, cls, dims, real, imag);
    }

    private static Array EmptyValues(string cls) => cls switch
    {
        MatClass.Double or MatClass.Single => Array.Empty<double>(),
        MatClass.UInt64 => Array.Empty<ulong>(),
        MatClass.Logical => Array.Empty<byte>(),
        _ => Array.Empty<long>(),
    };

    /// <summary>Values in HDF5 order, which is MATLAB's column-major order of the reversed shape.</summary>
    private (Array Real, Array? Imag) ReadNumbers(NativeDataset d, string cls)
    {
        var type = d.Type;
        if (type.Class == H5DataTypeClass.Compound)
        {
            // Match members by name: PureHDF matches structs by layout (notes/purehdf.md).
            var members = type.Compound.Members;
            var re = members.FirstOrDefault(m => m.Name == "real") ?? throw new InvalidDataException("complex compound without a 'real' member");
            var im = members.FirstOrDefault(m => m.Name == "imag") ?? throw new InvalidDataException("complex compound without an 'imag' member");
            var raw = d.Read<byte[]>();
            int stride = type.Size;
            int n = raw.Length / stride;
            var realBytes = new byte[n * re.Type.Size];
            var imagBytes = new byte[n * im.Type.Size];
            for (int i = 0; i < n; i++)
            {
                raw.AsSpan(i * stride + re.Offset, re.Type.Size).CopyTo(realBytes.AsSpan(i * re.Type.Size));
                raw.AsSpan(i * stride + im.Offset, im.Type.Size).CopyTo(imagBytes.AsSpan(i * im.Type.Size));
            }
            return (Convert(realBytes, re.Type, n, cls), Convert(imagBytes, im.Type, n, cls));
        }
        // The common case (MATLAB doubles) reads straight into the result array.
        if (type.Class == H5DataTypeClass.FloatingPoint && type.Size == 8 && cls is MatClass.Double or MatClass.Single)
            return (d.Read<double[]>(), null);
        var bytes = d.Read<byte[]>();
        return (Convert(bytes, type, bytes.Length / Math.Max(1, type.Size), cls), null);
    }

    private static Array Convert(byte[] bytes, IH5DataType type, int count, string cls)
    {
        int mi = type.Class switch
        {
            H5DataTypeClass.FloatingPoint => type.Size == 8 ? MatNumbers.MiDouble : MatNumbers.MiSingle,
            H5DataTypeClass.FixedPoint or H5DataTypeClass.BitField => (type.Size, type.Class == H5DataTypeClass.FixedPoint && type.FixedPoint.IsSigned) switch
            {
                (1, true) => MatNumbers.MiInt8,
                (1, false) => MatNumbers.MiUInt8,
                (2, true) => MatNumbers.MiInt16,
                (2, false) => MatNumbers.MiUInt16,
                (4, true) => MatNumbers.MiInt32,
                (4, false) => MatNumbers.MiUInt32,
                (8, true) => MatNumbers.MiInt64,
                _ => MatNumbers.MiUInt64,
            },
            _ => throw new InvalidDataException($"HDF5 type class {type.Class} does not hold numbers"),
        };
        // MATLAB writes little-endian HDF5; PureHDF hands the stored bytes over unchanged.
        return MatNumbers.Convert(bytes, mi, count, bigEndian: false, cls);
    }

    private MatVariable DecodeSparse(NativeGroup g, string? name, string cls)
    {
        int[] dims = SparseDimensions(g);
        int rows = dims[0], columns = dims[1];
        if ((long)rows * columns > Level5ArrayDecoder.MaxSparseExpansion)
            throw new InvalidDataException($"sparse {rows}x{columns} matrix is too large to expand to a dense list");
        var jc = ((NativeDataset)g.Dataset("jc")).Read<ulong[]>();
        bool hasData = g.LinkExists("data");
        var dataSet = hasData ? (NativeDataset)g.Dataset("data") : null;
        bool complex = dataSet?.Type.Class == H5DataTypeClass.Compound;
        var real = cls == MatClass.Logical ? (Array)new byte[rows * columns] : new double[rows * columns];
        var imag = complex ? new double[rows * columns] : null;
        if (hasData)
        {
            var ir = ((NativeDataset)g.Dataset("ir")).Read<ulong[]>();
            var (values, imagValues) = ReadNumbers(dataSet!, cls == MatClass.Logical ? MatClass.Logical : MatClass.Double);
            ulong stored = jc[columns];
            if (stored > (ulong)ir.Length || stored > (ulong)values.Length) throw new InvalidDataException("sparse matrix has fewer stored values than jc claims");
            for (int c = 0; c < columns; c++)
            {
                for (ulong k = jc[c]; k < jc[c + 1] && k < stored; k++)
                {
                    ulong r = ir[k];
                    if (r >= (ulong)rows) throw new InvalidDataException($"sparse row index {r} is outside 0..{rows - 1}");
                    long at = (long)r + (long)c * rows;
                    if (real is byte[] b) b[at] = ((byte[])values)[k];
                    else ((double[])real)[at] = ((double[])values)[k];
                    if (imag is not null) imag[at] = ((double[])imagValues!)[k];
                }
            }
        }
        return MatVariable.Numeric(name, cls, dims, real, imag, isSparse: true);
    }

    private MatVariable DecodeStruct(NativeGroup g, string? name)
    {
        var members = g.Children().Where(c => !c.Name.StartsWith('#')).ToDictionary(c => c.Name, StringComparer.Ordinal);
        var fields = new List<string>();
        if (g.AttributeExists("MATLAB_fields"))
        {
            // Only string[][] decodes this variable-length sequence of 1-byte strings (notes/purehdf.md).
            foreach (var chars in g.Attribute("MATLAB_fields").Read<string[][]>())
            {
                string field = string.Concat(chars);
                // A listed field without a member is left out (testfile4.mat), as MATLAB would have to.
                if (members.ContainsKey(field) && !fields.Contains(field)) fields.Add(field);
            }
        }
        fields.AddRange(members.Keys.Where(k => !fields.Contains(k)).OrderBy(k => k, Utf8Order.Instance));

        if (IsStructArray(g))
        {
            int[] dims = StructArrayDimensions(g);
            long count = MatVariable.ElementCount(dims);
            var references = fields.ToDictionary(f => f, f => ((NativeDataset)members[f]).Read<NativeObjectReference1[]>());
            var elements = new List<IReadOnlyDictionary<string, MatVariable>>();
            for (int i = 0; i < count; i++)
            {
                elements.Add(fields.ToDictionary(f => f, f => Decode(_file.Get(references[f][i]), f)));
            }
            return MatVariable.Struct(name, dims, [.. fields], elements);
        }
        var element = fields.ToDictionary(f => f, f => Decode(members[f], f));
        return MatVariable.Struct(name, [1, 1], [.. fields], [element]);
    }

    /// <summary>HDF5's name index order: ordinal comparison of UTF-8 bytes.</summary>
    private sealed class Utf8Order : IComparer<string>
    {
        public static readonly Utf8Order Instance = new();

        public int Compare(string? x, string? y) =>
            Encoding.UTF8.GetBytes(x ?? "").AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(y ?? ""));
    }
}
