using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using DataPipeline.Engine.IO;
using static DataPipeline.Engine.Mat.MatNumbers;

namespace DataPipeline.Engine.Mat;

/// <summary>
/// Writes MatVariables as a level 5 MAT-file (MATLAB's -v7 when compressed, -v6 when not), little-endian,
/// so predictions and frames go back to MATLAB, Octave and scipy. Numeric (dense; sparse values are
/// written dense), logical, char, struct and cell values; the file appears atomically.
/// </summary>
public static partial class Level5Writer
{
    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]{0,62}$")]
    private static partial Regex IdentifierPattern();

    public static void Write(string path, IReadOnlyList<MatVariable> variables, bool compress = true)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var v in variables)
        {
            if (v.Name is null || !IdentifierPattern().IsMatch(v.Name))
                throw new ArgumentException($"'{v.Name}' is not a MATLAB variable name (a letter, then letters, digits or _, at most 63).");
            if (!names.Add(v.Name)) throw new ArgumentException($"Two variables are named '{v.Name}'.");
        }
        AtomicFile.WriteStream(path, stream => WriteTo(stream, variables, compress));
    }

    public static void WriteTo(Stream stream, IReadOnlyList<MatVariable> variables, bool compress)
    {
        var header = new byte[128];
        string text = string.Create(CultureInfo.InvariantCulture,
            $"MATLAB 5.0 MAT-file, Platform: {Environment.OSVersion.Platform}, Created on: {DateTime.UtcNow:ddd MMM dd HH:mm:ss yyyy} by DataPipeline");
        Encoding.ASCII.GetBytes(text.PadRight(116).AsSpan(0, 116), header);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(124), 0x0100);
        header[126] = (byte)'I';
        header[127] = (byte)'M';
        stream.Write(header);

        foreach (var variable in variables)
        {
            using var element = new MemoryStream();
            WriteArray(element, variable, variable.Name!);
            if (!compress)
            {
                element.Position = 0;
                element.CopyTo(stream);
                continue;
            }
            using var packed = new MemoryStream();
            using (var zlib = new ZLibStream(packed, CompressionLevel.Fastest, leaveOpen: true))
            {
                element.Position = 0;
                element.CopyTo(zlib);
            }
            WriteTag(stream, MiCompressed, checked((int)packed.Length));
            packed.Position = 0;
            packed.CopyTo(stream);
        }
    }

    private static void WriteArray(Stream s, MatVariable v, string name)
    {
        using var body = new MemoryStream();
        int classId = ClassId(v);
        uint flags = (uint)classId | (v.IsComplex ? 0x800u : 0) | (v.Class == MatClass.Logical ? 0x200u : 0);
        Span<byte> pair = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(pair, flags);
        BinaryPrimitives.WriteUInt32LittleEndian(pair[4..], 0);
        WriteElement(body, MiUInt32, pair);
        WriteElement(body, MiInt32, MemoryMarshal.AsBytes(v.Dimensions.AsSpan()));
        WriteElement(body, MiInt8, Encoding.ASCII.GetBytes(name));

        switch (v.Class)
        {
            case MatClass.Char:
                var units = new char[v.Count];
                int rows = v.Dimensions[0];
                for (int r = 0; r < rows; r++)
                    for (int c = 0; c < v.Text![r].Length; c++) units[r + c * rows] = v.Text[r][c];
                WriteElement(body, MiUInt16, MemoryMarshal.AsBytes(units.AsSpan()));
                break;
            case MatClass.Cell:
                foreach (var element in v.Elements!) WriteArray(body, (MatVariable)element, "");
                break;
            case MatClass.Struct:
                int width = v.Fields!.Length == 0 ? 1 : v.Fields.Max(f => f.Length) + 1;
                if (width > 64) throw new ArgumentException($"Struct '{v.Name}' has a field name longer than MATLAB's 63 characters.");
                Span<byte> widthBytes = stackalloc byte[4];
                BinaryPrimitives.WriteInt32LittleEndian(widthBytes, width);
                WriteElement(body, MiInt32, widthBytes);
                var names = new byte[width * v.Fields.Length];
                for (int f = 0; f < v.Fields.Length; f++) Encoding.ASCII.GetBytes(v.Fields[f], names.AsSpan(f * width));
                WriteElement(body, MiInt8, names);
                foreach (var element in v.Elements!)
                {
                    var fields = (IReadOnlyDictionary<string, MatVariable>)element;
                    foreach (string field in v.Fields) WriteArray(body, fields[field], "");
                }
                break;
            default:
                WriteNumbers(body, v.Class, v.Real!);
                if (v.IsComplex) WriteNumbers(body, v.Class, v.Imag!);
                break;
        }

        WriteTag(s, MiMatrix, checked((int)body.Length));
        body.Position = 0;
        body.CopyTo(s);
    }

    private static int ClassId(MatVariable v) => v.Class switch
    {
        MatClass.Cell => 1,
        MatClass.Struct => 2,
        MatClass.Char => 4,
        MatClass.Double => 6,
        MatClass.Single => 7,
        MatClass.Int8 => 8,
        MatClass.UInt8 or MatClass.Logical => 9,
        MatClass.Int16 => 10,
        MatClass.UInt16 => 11,
        MatClass.Int32 => 12,
        MatClass.UInt32 => 13,
        MatClass.Int64 => 14,
        MatClass.UInt64 => 15,
        _ => throw new ArgumentException($"'{v.Name}' is a {v.Class}; only numeric, logical, char, struct and cell values can be written."),
    };

    /// <summary>Values in the class's own storage type, as MATLAB itself writes them.</summary>
    private static void WriteNumbers(Stream s, string cls, Array values)
    {
        switch (cls, values)
        {
            case (MatClass.Double, double[] d):
                WriteElement(s, MiDouble, MemoryMarshal.AsBytes(d.AsSpan()));
                break;
            case (MatClass.Single, double[] d):
                WriteElement(s, MiSingle, MemoryMarshal.AsBytes(Array.ConvertAll(d, x => (float)x).AsSpan()));
                break;
            case (MatClass.Logical, byte[] b):
                WriteElement(s, MiUInt8, b);
                break;
            case (MatClass.UInt64, ulong[] u):
                WriteElement(s, MiUInt64, MemoryMarshal.AsBytes(u.AsSpan()));
                break;
            case (_, long[] l):
                WriteIntegers(s, cls, l);
                break;
            default:
                throw new ArgumentException($"A {cls} value cannot hold a {values.GetType().Name}.");
        }
    }

    private static void WriteIntegers(Stream s, string cls, long[] l)
    {
        switch (cls)
        {
            case MatClass.Int8: WriteElement(s, MiInt8, MemoryMarshal.AsBytes(Array.ConvertAll(l, x => checked((sbyte)x)).AsSpan())); break;
            case MatClass.UInt8: WriteElement(s, MiUInt8, Array.ConvertAll(l, x => checked((byte)x))); break;
            case MatClass.Int16: WriteElement(s, MiInt16, MemoryMarshal.AsBytes(Array.ConvertAll(l, x => checked((short)x)).AsSpan())); break;
            case MatClass.UInt16: WriteElement(s, MiUInt16, MemoryMarshal.AsBytes(Array.ConvertAll(l, x => checked((ushort)x)).AsSpan())); break;
            case MatClass.Int32: WriteElement(s, MiInt32, MemoryMarshal.AsBytes(Array.ConvertAll(l, x => checked((int)x)).AsSpan())); break;
            case MatClass.UInt32: WriteElement(s, MiUInt32, MemoryMarshal.AsBytes(Array.ConvertAll(l, x => checked((uint)x)).AsSpan())); break;
            default: WriteElement(s, MiInt64, MemoryMarshal.AsBytes(l.AsSpan())); break;
        }
    }

    private static void WriteTag(Stream s, int type, int length)
    {
        Span<byte> tag = stackalloc byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(tag, type);
        BinaryPrimitives.WriteInt32LittleEndian(tag[4..], length);
        s.Write(tag);
    }

    /// <summary>A data element padded to 8 bytes (the long form, which every reader accepts).</summary>
    private static void WriteElement(Stream s, int type, ReadOnlySpan<byte> data)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("The MAT writer writes little-endian files from little-endian machines.");
        WriteTag(s, type, data.Length);
        s.Write(data);
        int pad = (8 - data.Length % 8) % 8;
        Span<byte> zeros = stackalloc byte[8];
        zeros.Clear();
        s.Write(zeros[..pad]);
    }
}
