using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace DataPipeline.Engine.Mat;

/// <summary>
/// Storage types of level 5 data elements (miINT8 ...) and their conversion to the value arrays of
/// <see cref="MatVariable"/>. MATLAB stores numbers in the smallest type that holds them (a double
/// array of small integers is often miUINT8), so every storage type converts to every class.
/// </summary>
internal static class MatNumbers
{
    public const int MiInt8 = 1, MiUInt8 = 2, MiInt16 = 3, MiUInt16 = 4, MiInt32 = 5, MiUInt32 = 6,
        MiSingle = 7, MiDouble = 9, MiInt64 = 12, MiUInt64 = 13, MiMatrix = 14, MiCompressed = 15,
        MiUtf8 = 16, MiUtf16 = 17, MiUtf32 = 18;

    /// <summary>Bytes per value of a numeric storage type, or 0 for a type that does not hold numbers.</summary>
    public static int SizeOf(int miType) => miType switch
    {
        MiInt8 or MiUInt8 or MiUtf8 => 1,
        MiInt16 or MiUInt16 or MiUtf16 => 2,
        MiInt32 or MiUInt32 or MiSingle or MiUtf32 => 4,
        MiDouble or MiInt64 or MiUInt64 => 8,
        _ => 0,
    };

    /// <summary>The array type a class's values live in (see <see cref="MatVariable.Real"/>).</summary>
    public static Array Convert(ReadOnlySpan<byte> source, int miType, int count, bool bigEndian, string cls) => cls switch
    {
        MatClass.Double or MatClass.Single => ToDoubles(source, miType, count, bigEndian),
        MatClass.UInt64 => ToUInt64(source, miType, count, bigEndian),
        MatClass.Logical => ToLogical(source, miType, count, bigEndian),
        _ => ToInt64(source, miType, count, bigEndian),
    };

    public static double[] ToDoubles(ReadOnlySpan<byte> s, int miType, int count, bool bigEndian)
    {
        var result = new double[count];
        switch (miType)
        {
            case MiDouble when !bigEndian:
                MemoryMarshal.Cast<byte, double>(s[..(count * 8)]).CopyTo(result);
                break;
            case MiDouble:
                BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, long>(s[..(count * 8)]), MemoryMarshal.Cast<double, long>(result.AsSpan()));
                break;
            case MiUInt8:
                for (int i = 0; i < count; i++) result[i] = s[i];
                break;
            case MiSingle:
                for (int i = 0; i < count; i++)
                    result[i] = bigEndian ? BinaryPrimitives.ReadSingleBigEndian(s[(i * 4)..]) : BinaryPrimitives.ReadSingleLittleEndian(s[(i * 4)..]);
                break;
            case MiUInt64:
                for (int i = 0; i < count; i++) result[i] = ReadUInt64(s, miType, i, bigEndian);
                break;
            default:
                for (int i = 0; i < count; i++) result[i] = ReadInt64(s, miType, i, bigEndian);
                break;
        }
        return result;
    }

    private static long[] ToInt64(ReadOnlySpan<byte> s, int miType, int count, bool bigEndian)
    {
        var result = new long[count];
        for (int i = 0; i < count; i++) result[i] = ReadInt64(s, miType, i, bigEndian);
        return result;
    }

    private static ulong[] ToUInt64(ReadOnlySpan<byte> s, int miType, int count, bool bigEndian)
    {
        var result = new ulong[count];
        for (int i = 0; i < count; i++) result[i] = ReadUInt64(s, miType, i, bigEndian);
        return result;
    }

    private static byte[] ToLogical(ReadOnlySpan<byte> s, int miType, int count, bool bigEndian)
    {
        var result = new byte[count];
        if (miType is MiUInt8 or MiInt8)
        {
            for (int i = 0; i < count; i++) result[i] = s[i] != 0 ? (byte)1 : (byte)0;
        }
        else
        {
            for (int i = 0; i < count; i++) result[i] = ReadDouble(s, miType, i, bigEndian) != 0 ? (byte)1 : (byte)0;
        }
        return result;
    }

    public static double ReadDouble(ReadOnlySpan<byte> s, int miType, int i, bool bigEndian) => miType switch
    {
        MiDouble => bigEndian ? BinaryPrimitives.ReadDoubleBigEndian(s[(i * 8)..]) : BinaryPrimitives.ReadDoubleLittleEndian(s[(i * 8)..]),
        MiSingle => bigEndian ? BinaryPrimitives.ReadSingleBigEndian(s[(i * 4)..]) : BinaryPrimitives.ReadSingleLittleEndian(s[(i * 4)..]),
        MiUInt64 => ReadUInt64(s, miType, i, bigEndian),
        _ => ReadInt64(s, miType, i, bigEndian),
    };

    public static long ReadInt64(ReadOnlySpan<byte> s, int miType, int i, bool bigEndian) => miType switch
    {
        MiInt8 => (sbyte)s[i],
        MiUInt8 or MiUtf8 => s[i],
        MiInt16 => bigEndian ? BinaryPrimitives.ReadInt16BigEndian(s[(i * 2)..]) : BinaryPrimitives.ReadInt16LittleEndian(s[(i * 2)..]),
        MiUInt16 or MiUtf16 => bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(s[(i * 2)..]) : BinaryPrimitives.ReadUInt16LittleEndian(s[(i * 2)..]),
        MiInt32 => bigEndian ? BinaryPrimitives.ReadInt32BigEndian(s[(i * 4)..]) : BinaryPrimitives.ReadInt32LittleEndian(s[(i * 4)..]),
        MiUInt32 or MiUtf32 => bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(s[(i * 4)..]) : BinaryPrimitives.ReadUInt32LittleEndian(s[(i * 4)..]),
        MiInt64 => bigEndian ? BinaryPrimitives.ReadInt64BigEndian(s[(i * 8)..]) : BinaryPrimitives.ReadInt64LittleEndian(s[(i * 8)..]),
        MiUInt64 => (long)ReadUInt64(s, miType, i, bigEndian),
        // Integers stored as floating point (rare, but legal): MATLAB's own saturating cast.
        MiDouble or MiSingle => SaturatingInt64(ReadDouble(s, miType, i, bigEndian)),
        _ => throw new InvalidOperationException($"storage type {miType} holds no numbers"),
    };

    private static ulong ReadUInt64(ReadOnlySpan<byte> s, int miType, int i, bool bigEndian) => miType == MiUInt64
        ? (bigEndian ? BinaryPrimitives.ReadUInt64BigEndian(s[(i * 8)..]) : BinaryPrimitives.ReadUInt64LittleEndian(s[(i * 8)..]))
        : (ulong)ReadInt64(s, miType, i, bigEndian);

    private static long SaturatingInt64(double v) =>
        double.IsNaN(v) ? 0 : v >= 9.2233720368547758e18 ? long.MaxValue : v <= -9.2233720368547758e18 ? long.MinValue : (long)Math.Round(v);
}
