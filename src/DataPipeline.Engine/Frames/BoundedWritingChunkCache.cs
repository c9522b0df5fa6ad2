using PureHDF.VOL.Native;

namespace DataPipeline.Engine.Frames;

/// <summary>
/// A writing chunk cache that holds at most <c>capacity</c> chunks, so that writing a store
/// several GB large needs memory for a few chunks, not the whole dataset (PureHDF's default cache
/// keeps every uncompressed chunk until the file is disposed).
///
/// PureHDF 2.2.0 hands GetChunk a writer delegate that writes under the index of the chunk being
/// requested, whatever index it is given. A chunk evicted while serving another request must
/// therefore be written with the delegate that came with its own first request, which is why
/// every entry keeps its writer (see ../shared/notes/purehdf.md, "Writer memory"). Callers write
/// whole chunks in order, so first-in first-out eviction never evicts a chunk still being filled.
/// </summary>
internal sealed class BoundedWritingChunkCache(int capacity) : IWritingChunkCache
{
    private readonly Dictionary<ulong, (Memory<byte> Chunk, Action<ulong, Memory<byte>> Writer)> _chunks = [];
    private readonly Queue<ulong> _order = new();

    public Memory<byte> GetChunk(ulong chunkIndex, Func<Memory<byte>> chunkAllocator, Action<ulong, Memory<byte>> chunkWriter)
    {
        if (_chunks.TryGetValue(chunkIndex, out var cached)) return cached.Chunk;
        while (_chunks.Count >= capacity)
        {
            ulong oldest = _order.Dequeue();
            var (chunk, writer) = _chunks[oldest];
            _chunks.Remove(oldest);
            writer(oldest, chunk);
        }
        var fresh = chunkAllocator();
        _chunks[chunkIndex] = (fresh, chunkWriter);
        _order.Enqueue(chunkIndex);
        return fresh;
    }

    public void Flush(Action<ulong, Memory<byte>> chunkWriter)
    {
        // Flush's writer honours its index argument, unlike the per-request ones.
        while (_order.Count > 0)
        {
            ulong index = _order.Dequeue();
            chunkWriter(index, _chunks[index].Chunk);
            _chunks.Remove(index);
        }
    }
}
