using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using static DataPipeline.Engine.Mat.MatNumbers;

namespace DataPipeline.Engine.Mat;

/// <summary>
/// A level 5 MAT-file (MATLAB v6 and v7): a 128-byte header, then one element per variable, each
/// miMATRIX or zlib-compressed miCOMPRESSED. Listing reads only each element's tag and array header;
/// reading a variable reads (and inflates) only its own element.
/// </summary>
internal sealed class Level5File
{
    /// <summary>Bytes inflated to list a compressed variable: enough for its flags, size and name.</summary>
    private const int HeaderProbeBytes = 4096;

    /// <summary>Deflate cannot expand data by more than about 1032:1; a larger claim is a lie.</summary>
    private const long MaxDeflateRatio = 1032;

    private readonly string _path;
    private readonly bool _bigEndian;
    private readonly List<(MatVariableInfo Info, long Offset, int Type, long Length)> _entries = [];

    public Level5File(string path, FileStream stream, bool bigEndian)
    {
        _path = path;
        _bigEndian = bigEndian;
        long length = stream.Length;
        long pos = 128;
        Span<byte> tag = stackalloc byte[8];
        while (pos < length)
        {
            if (length - pos < 8)
                throw new MatFormatException(path, null, $"byte {pos}", $"{length - pos} stray bytes after the last variable (a tag needs 8); the file is truncated");
            RandomAccess.Read(stream.SafeFileHandle, tag, pos);
            int type = (int)ReadUInt32(tag);
            long size = ReadUInt32(tag[4..]);
            if (size > length - pos - 8)
                throw new MatFormatException(path, null, $"byte {pos}", $"element claims {size} bytes but only {length - pos - 8} remain in the file; the file is truncated");
            if (type is not (MiMatrix or MiCompressed))
                throw new MatFormatException(path, null, $"byte {pos}", $"top-level element of type {type}; only miMATRIX (14) and miCOMPRESSED (15) hold variables");
            var info = Probe(stream, pos, type, size);
            // The unnamed element is MATLAB's subsystem data for function handles and objects, not a variable.
            if (info.Name.Length > 0) _entries.Add((info, pos, type, size));
            // Compressed elements are not padded; uncompressed ones are padded to 8 bytes.
            pos += 8 + (type == MiCompressed ? size : (size + 7) & ~7L);
        }
    }

    public IReadOnlyList<MatVariableInfo> Variables => _entries.Select(e => e.Info).ToList();

    public MatVariable Read(FileStream stream, string name)
    {
        foreach (var entry in _entries)
        {
            if (entry.Info.Name != name) continue;
            var (buffer, used, where) = Load(stream, entry.Offset, entry.Type, entry.Length, name, probeOnly: false);
            try
            {
                var decoder = new Level5ArrayDecoder(buffer, _bigEndian, _path, name, where);
                return decoder.ReadArray(8, used).Renamed(name);
            }
            finally
            {
                // Decoded values are copies, so the element's bytes can serve the next variable.
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        throw new KeyNotFoundException($"{_path} has no variable '{name}'.");
    }

    private MatVariableInfo Probe(FileStream stream, long offset, int type, long length)
    {
        var (buffer, used, where) = Load(stream, offset, type, length, null, probeOnly: true);
        try
        {
            var decoder = new Level5ArrayDecoder(buffer, _bigEndian, _path, null, where);
            // The probe may hold only the start of the element: decode the header within what is there.
            return decoder.ReadInfo(8, used);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The element's miMATRIX tag and body in memory: read as is, or inflated, in a pooled buffer
    /// of which the first Used bytes count (the caller returns it to the pool). With
    /// <paramref name="probeOnly"/>, only enough of the start to decode the array header.
    /// </summary>
    private (byte[] Buffer, int Used, Func<int, string> Where) Load(FileStream stream, long offset, int type, long length, string? variable, bool probeOnly)
    {
        if (type == MiMatrix)
        {
            int take = (int)(probeOnly ? Math.Min(length, HeaderProbeBytes) : length);
            var raw = ArrayPool<byte>.Shared.Rent(8 + take);
            RandomAccess.Read(stream.SafeFileHandle, raw.AsSpan(0, 8 + take), offset);
            if (probeOnly && take < length) PatchLength(raw, take);
            return (raw, 8 + take, p => $"byte {offset + p}");
        }

        string Where(int p) => $"byte {p} of the data inflated from the compressed element at byte {offset}";
        using var window = new WindowStream(stream, offset + 8, length);
        using var zlib = new ZLibStream(window, CompressionMode.Decompress);
        try
        {
            var tag = new byte[8];
            int got = zlib.ReadAtLeast(tag, 8, throwOnEndOfStream: false);
            if (got < 8) throw new MatFormatException(_path, variable, $"byte {offset}", "compressed element inflates to less than one tag");
            int innerType = (int)ReadUInt32(tag);
            long innerLength = ReadUInt32(tag.AsSpan(4));
            if (innerType != MiMatrix)
                throw new MatFormatException(_path, variable, $"byte {offset}", $"compressed element holds type {innerType}, not miMATRIX");
            if (innerLength > (length + 64) * MaxDeflateRatio || innerLength > Array.MaxLength - 8)
                throw new MatFormatException(_path, variable, $"byte {offset}", $"compressed element of {length} bytes claims to inflate to {innerLength}, more than deflate can produce");
            int take = (int)(probeOnly ? Math.Min(innerLength, HeaderProbeBytes) : innerLength);
            var buffer = ArrayPool<byte>.Shared.Rent(8 + take);
            try
            {
                tag.CopyTo(buffer, 0);
                got = zlib.ReadAtLeast(buffer.AsSpan(8, take), take, throwOnEndOfStream: false);
                if (got < take)
                    throw new MatFormatException(_path, variable, $"byte {offset}", $"compressed element inflates to {got + 8} bytes but its tag claims {innerLength + 8}");
                if (probeOnly)
                {
                    if (take < innerLength) PatchLength(buffer, take);
                }
                else if (zlib.Read(tag.AsSpan(0, 1)) != 0)
                {
                    throw new MatFormatException(_path, variable, $"byte {offset}", "compressed element inflates to more data than its tag claims; the element is corrupt");
                }
                return (buffer, 8 + take, Where);
            }
            catch
            {
                ArrayPool<byte>.Shared.Return(buffer);
                throw;
            }
        }
        catch (InvalidDataException e)
        {
            throw new MatFormatException(_path, variable, $"byte {offset}", $"corrupt zlib stream in the compressed element: {e.Message}", e);
        }
    }

    /// <summary>A probe holds only the start of an element; its tag must not claim more than that.</summary>
    private void PatchLength(byte[] buffer, int length)
    {
        if (_bigEndian) BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(4), (uint)length);
        else BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(4), (uint)length);
    }

    private uint ReadUInt32(ReadOnlySpan<byte> s) =>
        _bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);
}
