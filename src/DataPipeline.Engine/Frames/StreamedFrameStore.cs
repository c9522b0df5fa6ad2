namespace DataPipeline.Engine.Frames;

/// <summary>
/// A frame store as a batch generator's source, streamed: frames are read one chunk block at a
/// time and at most <see cref="CacheBlocks"/> blocks are held, least recently used first out, so
/// memory is bounded by the cache however large the store is. A sampler that visits a window of
/// whole chunks at a time (BatchGenerator's chunk-window shuffle) reads each chunk about once per
/// epoch. Safe for several workers: the HDF5 file has one handle, read under a lock.
/// </summary>
public sealed class StreamedFrameStore : IFrameSource, IDisposable
{
    private readonly FrameStoreReader _reader;
    private readonly object _gate = new();
    private readonly Dictionary<int, LinkedListNode<FrameStoreBlock>> _cached = [];
    private readonly LinkedList<FrameStoreBlock> _recent = new();
    private readonly string _label;

    private StreamedFrameStore(FrameStoreReader reader, int cacheBlocks, string label)
    {
        _reader = reader;
        CacheBlocks = cacheBlocks;
        _label = label;
        var m = reader.Manifest;
        if (m.LabelShape is null)
            throw new FrameStoreException("the store holds no labels; training needs labelled frames.", reader.Path);
        HasPositions = reader.PositionCounts.All(c => c >= 0);
    }

    /// <summary>
    /// Opens the store at <paramref name="path"/>, keeping at most <paramref name="cacheBlocks"/>
    /// chunk blocks in memory; <paramref name="label"/> names it on its frames' batches (default: the file name).
    /// </summary>
    public static StreamedFrameStore Open(string path, int cacheBlocks, string? label = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cacheBlocks, 1);
        var reader = FrameStoreReader.Open(path);
        try
        {
            return new StreamedFrameStore(reader, cacheBlocks, label ?? System.IO.Path.GetFileName(reader.Path));
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    public string Path => _reader.Path;
    public int CacheBlocks { get; }

    /// <summary>Frames per chunk block (the store's chunk_frames).</summary>
    public int ChunkFrames => _reader.Manifest.ChunkFrames;

    /// <summary>Chunk blocks read from the file so far; with a large enough cache, one per chunk per epoch.</summary>
    public long BlocksRead { get; private set; }

    public int Count => _reader.Count;
    public int[] FrameShape => _reader.Manifest.FrameShape;
    public int[] LabelShape => _reader.Manifest.LabelShape!;
    public bool HasPositions { get; }
    public bool IsChunked => ChunkFrames > 1;
    public long ChunkOf(int position) => position / ChunkFrames;
    public string SourceLabel(int position) => _label;

    public Frame Read(int position) => Block(position).Frame(position);

    public IReadOnlyList<ScattererPosition>? CopyTo(int position, Span<float> data, Span<float> label)
    {
        var block = Block(position);
        block.Data(position).CopyTo(data);
        block.Label(position).CopyTo(label);
        return block.Positions(position);
    }

    private FrameStoreBlock Block(int position)
    {
        if (position < 0 || position >= Count)
            throw new ArgumentOutOfRangeException(nameof(position), position, $"The store holds frames 0 to {Count - 1}.");
        int start = position / ChunkFrames * ChunkFrames;
        lock (_gate)
        {
            if (_cached.TryGetValue(start, out var node))
            {
                _recent.Remove(node);
                _recent.AddFirst(node);
                return node.Value;
            }
            if (_cached.Count >= CacheBlocks)
            {
                var oldest = _recent.Last!;
                _recent.RemoveLast();
                _cached.Remove(oldest.Value.Start);
            }
            var block = _reader.ReadBlock(start);
            BlocksRead++;
            _cached[start] = _recent.AddFirst(block);
            return block;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _cached.Clear();
            _recent.Clear();
            _reader.Dispose();
        }
    }
}
