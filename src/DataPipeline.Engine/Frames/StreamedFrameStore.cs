namespace DataPipeline.Engine.Frames;

/// <summary>
/// A frame store as a batch generator's source, streamed: frames are read one chunk block at a
/// time and at most <see cref="CacheBlocks"/> blocks are held, least recently used first out, so
/// memory is bounded by the cache however large the store is. A sampler that visits a window of
/// whole chunks at a time (BatchGenerator's chunk-window shuffle) reads each chunk about once per
/// epoch. Safe for several workers: each block is read once, by whichever worker needs it first,
/// through a handle of its own (PureHDF's handles are not thread-safe, and decompressing blocks on
/// several cores at once is what keeps a store as fast as frames in memory).
/// </summary>
public sealed class StreamedFrameStore : IFrameSource, IDisposable
{
    private readonly FrameStoreReader _reader;
    private readonly object _gate = new();
    private readonly Dictionary<int, LinkedListNode<(int Start, Lazy<FrameStoreBlock> Block)>> _cached = [];
    private readonly LinkedList<(int Start, Lazy<FrameStoreBlock> Block)> _recent = new();
    private readonly Stack<FrameStoreReader> _idle = new();
    private readonly List<FrameStoreReader> _handles = [];
    private readonly string _label;
    private long _blocksRead;

    private StreamedFrameStore(FrameStoreReader reader, int cacheBlocks, string label)
    {
        _reader = reader;
        _handles.Add(reader);
        _idle.Push(reader);
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
    public long BlocksRead => Interlocked.Read(ref _blocksRead);

    public int Count => _reader.Count;
    public int[] FrameShape => _reader.Manifest.FrameShape;
    public int Channels => _reader.Manifest.Channels;
    public int[] LabelShape => _reader.Manifest.LabelShape!;
    public bool HasPositions { get; }
    public bool IsChunked => ChunkFrames > 1;
    public long ChunkOf(int position) => position / ChunkFrames;
    public string SourceLabel(int position) => _label;

    public Frame Read(int position) => Block(position).Frame(position);

    /// <summary>Every frame's metadata, read from the store's per-frame datasets only: no chunk block is read (<see cref="BlocksRead"/> stays as it was).</summary>
    public IReadOnlyList<FrameMetadata> ReadMetadata()
    {
        FrameStoreReader? reader;
        lock (_gate)
        {
            if (!_idle.TryPop(out reader))
            {
                reader = FrameStoreReader.Open(Path);
                _handles.Add(reader);
            }
        }
        try
        {
            return reader.ReadMetadata();
        }
        catch (Exception e) when (e is not FrameStoreException)
        {
            throw new FrameStoreException($"the frames' metadata cannot be read ({e.Message}); the store is damaged or truncated.", Path, e);
        }
        finally
        {
            lock (_gate) _idle.Push(reader);
        }
    }

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
        Lazy<FrameStoreBlock> entry;
        lock (_gate)
        {
            if (_cached.TryGetValue(start, out var node))
            {
                _recent.Remove(node);
                _recent.AddFirst(node);
                entry = node.Value.Block;
            }
            else
            {
                if (_cached.Count >= CacheBlocks)
                {
                    var oldest = _recent.Last!;
                    _recent.RemoveLast();
                    _cached.Remove(oldest.Value.Start);
                }
                entry = new Lazy<FrameStoreBlock>(() => Load(start), LazyThreadSafetyMode.ExecutionAndPublication);
                _cached[start] = _recent.AddFirst((start, entry));
            }
        }
        try
        {
            return entry.Value;
        }
        catch
        {
            // A failed read is not cached: the next request tries again (and reports again).
            lock (_gate)
            {
                if (_cached.TryGetValue(start, out var node) && node.Value.Block == entry)
                {
                    _cached.Remove(start);
                    _recent.Remove(node);
                }
            }
            throw;
        }
    }

    private FrameStoreBlock Load(int start)
    {
        FrameStoreReader? reader;
        lock (_gate)
        {
            if (!_idle.TryPop(out reader))
            {
                reader = FrameStoreReader.Open(Path);
                _handles.Add(reader);
            }
        }
        try
        {
            var block = reader.ReadBlock(start);
            Interlocked.Increment(ref _blocksRead);
            return block;
        }
        finally
        {
            lock (_gate) _idle.Push(reader);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _cached.Clear();
            _recent.Clear();
            foreach (var handle in _handles) handle.Dispose();
            _handles.Clear();
            _idle.Clear();
        }
    }
}
