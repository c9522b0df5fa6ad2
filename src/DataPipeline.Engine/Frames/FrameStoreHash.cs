using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace DataPipeline.Engine.Frames;

/// <summary>
/// The content hash of a frame store: SHA-256 over every frame in store order, each as its index
/// (int64), source id (int32), data (float32), label (float32, when the store has labels) and its
/// rows of <c>positions</c> (float64), all little-endian. docs/frame-store.md gives the same recipe
/// in Python, so a copy of a store can be checked without this module.
/// </summary>
internal sealed class FrameStoreHash : IDisposable
{
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public FrameStoreHash()
    {
        // The spans below are hashed as they lie in memory; the recipe says little-endian.
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Frame stores are written on little-endian machines only.");
    }

    public void Add(long index, int sourceId, ReadOnlySpan<float> data, ReadOnlySpan<float> label, ReadOnlySpan<double> positionRows)
    {
        Span<byte> head = stackalloc byte[12];
        BinaryPrimitives.WriteInt64LittleEndian(head, index);
        BinaryPrimitives.WriteInt32LittleEndian(head[8..], sourceId);
        _sha.AppendData(head);
        _sha.AppendData(MemoryMarshal.AsBytes(data));
        _sha.AppendData(MemoryMarshal.AsBytes(label));
        _sha.AppendData(MemoryMarshal.AsBytes(positionRows));
    }

    public string Finish() => "sha256:" + Convert.ToHexString(_sha.GetHashAndReset()).ToLowerInvariant();

    public void Dispose() => _sha.Dispose();

    /// <summary>A frame's positions as the rows of the <c>positions</c> dataset.</summary>
    public static double[] PositionRows(IReadOnlyList<ScattererPosition>? positions)
    {
        if (positions is null) return [];
        var rows = new double[positions.Count * 5];
        for (int i = 0; i < positions.Count; i++)
        {
            var p = positions[i];
            rows[5 * i] = p.TimeStep;
            rows[5 * i + 1] = p.Scatterer;
            rows[5 * i + 2] = p.Row;
            rows[5 * i + 3] = p.Column;
            rows[5 * i + 4] = p.InData ? 1 : 0;
        }
        return rows;
    }
}
