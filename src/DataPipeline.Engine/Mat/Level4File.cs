using System.Buffers.Binary;
using System.Text;

namespace DataPipeline.Engine.Mat;

/// <summary>
/// A level 4 MAT-file (MATLAB 4 and `save -v4`): a sequence of matrices, each a 20-byte header
/// (MOPT type code, rows, columns, imaginary flag, name length), the name, and column-major data.
/// MATLAB loads every numeric matrix as double, text matrices as char, sparse ones as sparse double.
/// </summary>
internal sealed class Level4File
{
    private readonly string _path;
    private readonly List<(MatVariableInfo Info, Header Header, long DataOffset)> _entries = [];

    private readonly record struct Header(bool BigEndian, int Precision, int Type, int Rows, int Columns, bool IsComplex, int NameLength);

    public Level4File(string path, FileStream stream)
    {
        _path = path;
        long length = stream.Length;
        long pos = 0;
        Span<byte> raw = stackalloc byte[20];
        while (pos < length)
        {
            if (length - pos < 20)
                throw new MatFormatException(path, null, $"byte {pos}", $"{length - pos} stray bytes where a 20-byte matrix header should be; the file is truncated");
            RandomAccess.Read(stream.SafeFileHandle, raw, pos);
            var header = TryParseHeader(raw) ?? throw new MatFormatException(path, null, $"byte {pos}", "not a level 4 matrix header");
            long nameEnd = pos + 20 + header.NameLength;
            if (nameEnd > length) throw new MatFormatException(path, null, $"byte {pos}", "matrix name runs past the end of the file");
            var nameBytes = new byte[header.NameLength];
            RandomAccess.Read(stream.SafeFileHandle, nameBytes, pos + 20);
            if (nameBytes.Any(b => b >= 0x80)) throw new MatFormatException(path, null, $"byte {pos + 20}", "matrix name is not ASCII");
            string name = Encoding.ASCII.GetString(nameBytes).TrimEnd('\0');
            long dataBytes = (long)header.Rows * header.Columns * ElementSize(header.Precision) * (header.IsComplex ? 2 : 1);
            if (dataBytes > length - nameEnd)
                throw new MatFormatException(path, name, $"byte {nameEnd}", $"matrix data needs {dataBytes} bytes but only {length - nameEnd} remain; the file is truncated");
            _entries.Add((InfoOf(name, header, stream, nameEnd), header, nameEnd));
            pos = nameEnd + dataBytes;
        }
    }

    /// <summary>True when the first bytes look like a level 4 matrix header in either byte order.</summary>
    public static bool LooksLikeLevel4(ReadOnlySpan<byte> first20) => first20.Length >= 20 && TryParseHeader(first20) is not null;

    private static Header? TryParseHeader(ReadOnlySpan<byte> raw)
    {
        foreach (bool bigEndian in new[] { false, true })
        {
            int mopt = Int32(raw, 0, bigEndian);
            if (mopt is < 0 or > 4999) continue;
            int m = mopt / 1000, o = mopt / 100 % 10, p = mopt / 10 % 10, t = mopt % 10;
            // M gives the byte order the writer used: it must agree with the order that made sense.
            if (m != (bigEndian ? 1 : 0) || o != 0 || p > 5 || t > 2) continue;
            int rows = Int32(raw, 4, bigEndian), columns = Int32(raw, 8, bigEndian), imag = Int32(raw, 12, bigEndian), nameLength = Int32(raw, 16, bigEndian);
            if (rows < 0 || columns < 0 || imag is not (0 or 1) || nameLength is < 1 or > 4096) continue;
            return new Header(bigEndian, p, t, rows, columns, imag == 1, nameLength);
        }
        return null;
    }

    private static int Int32(ReadOnlySpan<byte> raw, int at, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadInt32BigEndian(raw[at..]) : BinaryPrimitives.ReadInt32LittleEndian(raw[at..]);

    private static int ElementSize(int precision) => precision switch { 0 => 8, 1 => 4, 2 => 4, 3 => 2, 4 => 2, _ => 1 };

    private static int MiTypeOf(int precision) => precision switch
    {
        0 => MatNumbers.MiDouble,
        1 => MatNumbers.MiSingle,
        2 => MatNumbers.MiInt32,
        3 => MatNumbers.MiInt16,
        4 => MatNumbers.MiUInt16,
        _ => MatNumbers.MiUInt8,
    };

    private MatVariableInfo InfoOf(string name, Header h, FileStream stream, long dataOffset) => h.Type switch
    {
        1 => new MatVariableInfo(name, MatClass.Char, [h.Rows, h.Columns], false, false),
        2 => new MatVariableInfo(name, MatClass.Double, SparseSize(name, h, stream, dataOffset), h.Columns == 4, true),
        _ => new MatVariableInfo(name, MatClass.Double, [h.Rows, h.Columns], h.IsComplex, false),
    };

    /// <summary>The last triplet row of a sparse matrix holds its size.</summary>
    private int[] SparseSize(string name, Header h, FileStream stream, long dataOffset)
    {
        if (h.Rows < 1 || h.Columns is not (3 or 4))
            throw new MatFormatException(_path, name, $"byte {dataOffset}", $"sparse matrix needs rows of 3 or 4 columns; got {h.Rows}x{h.Columns}");
        var values = ReadColumnMajor(stream, h, dataOffset, imaginary: false);
        double rows = values[h.Rows - 1], columns = values[2 * h.Rows - 1];
        if (!(rows >= 0 && columns >= 0 && rows <= int.MaxValue && columns <= int.MaxValue && rows % 1 == 0 && columns % 1 == 0))
            throw new MatFormatException(_path, name, $"byte {dataOffset}", $"sparse matrix size {rows}x{columns} is not a valid size");
        return [(int)rows, (int)columns];
    }

    private double[] ReadColumnMajor(FileStream stream, Header h, long dataOffset, bool imaginary)
    {
        int count = h.Rows * h.Columns;
        int size = ElementSize(h.Precision);
        var raw = new byte[(long)count * size];
        RandomAccess.Read(stream.SafeFileHandle, raw, dataOffset + (imaginary ? raw.Length : 0));
        return MatNumbers.ToDoubles(raw, MiTypeOf(h.Precision), count, h.BigEndian);
    }

    public IReadOnlyList<MatVariableInfo> Variables => _entries.Select(e => e.Info).ToList();

    public MatVariable Read(FileStream stream, string name)
    {
        foreach (var (info, h, offset) in _entries)
        {
            if (info.Name != name) continue;
            var real = ReadColumnMajor(stream, h, offset, imaginary: false);
            switch (h.Type)
            {
                case 1:
                    var units = new char[real.Length];
                    for (int i = 0; i < units.Length; i++) units[i] = (char)real[i];
                    try
                    {
                        return MatVariable.CharFromUnits(name, info.Dimensions, units);
                    }
                    catch (InvalidDataException e)
                    {
                        throw new MatFormatException(_path, name, $"byte {offset}", e.Message, e);
                    }
                case 2:
                    return ReadSparse(name, info, h, real);
                default:
                    var imag = h.IsComplex ? ReadColumnMajor(stream, h, offset, imaginary: true) : null;
                    return MatVariable.Numeric(name, MatClass.Double, info.Dimensions, real, imag);
            }
        }
        throw new KeyNotFoundException($"{_path} has no variable '{name}'.");
    }

    private MatVariable ReadSparse(string name, MatVariableInfo info, Header h, double[] triplets)
    {
        int rows = info.Dimensions[0], columns = info.Dimensions[1];
        if ((long)rows * columns > Level5ArrayDecoder.MaxSparseExpansion)
            throw new MatFormatException(_path, name, "its header", $"sparse {rows}x{columns} matrix is too large to expand to a dense list");
        int n = h.Rows;
        var real = new double[rows * columns];
        var imag = h.Columns == 4 ? new double[rows * columns] : null;
        // Every row but the last is (row, column, value[, imag]) with 1-based indices.
        for (int k = 0; k < n - 1; k++)
        {
            double r = triplets[k] - 1, c = triplets[n + k] - 1;
            if (!(r >= 0 && r < rows && c >= 0 && c < columns))
                throw new MatFormatException(_path, name, "its data", $"sparse entry {k + 1} at ({r + 1}, {c + 1}) is outside {rows}x{columns}");
            long at = (long)r + (long)c * rows;
            real[at] = triplets[2 * n + k];
            if (imag is not null) imag[at] = triplets[3 * n + k];
        }
        return MatVariable.Numeric(name, MatClass.Double, info.Dimensions, real, imag, isSparse: true);
    }
}
