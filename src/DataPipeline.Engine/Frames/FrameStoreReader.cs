using PureHDF;
using PureHDF.Selections;
using PureHDF.VOL.Native;

namespace DataPipeline.Engine.Frames;

/// <summary>
/// Reads frames back from a store written by <see cref="FrameStoreWriter"/>. Frames are read one
/// chunk block (manifest.chunk_frames frames) at a time and only the current block is kept, so
/// memory is bounded by the chunk size however large the store is; the per-frame index, source
/// and position offsets (a few bytes per frame) are read at open. Reading block-wise also avoids
/// PureHDF's per-Read cost of decoding the whole chunk index, which makes one Read per frame
/// quadratic over a large store (../shared/notes/purehdf.md).
/// </summary>
public sealed class FrameStoreReader : IDisposable
{
    private readonly NativeFile _file;
    private readonly NativeDataset _data;
    private readonly NativeDataset? _labels;
    private readonly NativeDataset? _positions;
    private readonly int _frameValues, _labelValues;
    private readonly int[] _dataShape;
    private readonly FrameOrigin?[] _origins;

    private FrameStoreBlock? _block;

    private FrameStoreReader(string path, NativeFile file)
    {
        Path = path;
        _file = file;
        Manifest = FrameStoreManifest.FromJson(file.Dataset("manifest").Read<string>());
        if (Manifest.Format != FrameStoreManifest.FormatName)
            throw new FrameStoreException($"the manifest's format is '{Manifest.Format}', not '{FrameStoreManifest.FormatName}'.", path);
        if (Manifest.Version > FrameStoreManifest.CurrentVersion)
            throw new FrameStoreException($"store format version {Manifest.Version} is newer than this module reads ({FrameStoreManifest.CurrentVersion}); update DataPipeline.", path);

        if (Manifest.Count < 1 || Manifest.ChunkFrames < 1 || Manifest.FrameShape.Length is < 2 or > 3 || Manifest.Channels < 1)
            throw new FrameStoreException($"the manifest is inconsistent (count {Manifest.Count}, chunk_frames {Manifest.ChunkFrames}, frame_shape [{string.Join(", ", Manifest.FrameShape)}], channels {Manifest.Channels}).", path);
        _data = (NativeDataset)file.Dataset("data");
        _dataShape = FrameStoreWriter.DataShape(Manifest.Channels, Manifest.FrameShape);
        _frameValues = Frame.ElementCount(Manifest.FrameShape) * Manifest.Channels;
        CheckDims(_data, "data", [Manifest.Count, .. _dataShape]);
        if (Manifest.LabelShape is not null)
        {
            _labels = (NativeDataset)file.Dataset("labels");
            _labelValues = Frame.ElementCount(Manifest.LabelShape);
            CheckDims(_labels, "labels", [Manifest.Count, .. Manifest.LabelShape]);
        }
        if (Manifest.PositionRows > 0)
        {
            _positions = (NativeDataset)file.Dataset("positions");
            CheckDims(_positions, "positions", [(int)Manifest.PositionRows, 5]);
        }

        Indices = file.Dataset("index").Read<long[]>();
        SourceIds = file.Dataset("source_id").Read<int[]>();
        PositionStarts = file.Dataset("positions_start").Read<long[]>();
        PositionCounts = file.Dataset("positions_count").Read<int[]>();
        foreach (var (name, values) in new[] { ("index", Indices.Length), ("source_id", SourceIds.Length), ("positions_start", PositionStarts.Length), ("positions_count", PositionCounts.Length) })
        {
            if (values != Manifest.Count)
                throw new FrameStoreException($"dataset '{name}' holds {values} values but the manifest counts {Manifest.Count} frames.", path);
        }
        _origins = Manifest.Sources.Select(s => s.ToOrigin()).ToArray();
        if (SourceIds.Any(id => id < 0 || id >= _origins.Length))
            throw new FrameStoreException("dataset 'source_id' refers to a source the manifest does not list.", path);
    }

    /// <summary>Opens a store; a file that is not a readable frame store gives a <see cref="FrameStoreException"/>.</summary>
    public static FrameStoreReader Open(string path)
    {
        string fullPath = System.IO.Path.GetFullPath(path);
        if (!File.Exists(fullPath)) throw new FileNotFoundException($"{fullPath}: no such frame store.", fullPath);
        NativeFile? file = null;
        try
        {
            file = H5File.OpenRead(fullPath);
            return new FrameStoreReader(fullPath, file);
        }
        catch (Exception e) when (e is not FrameStoreException)
        {
            file?.Dispose();
            // PureHDF reports nearly every problem as a plain System.Exception, so the message is all there is.
            throw new FrameStoreException($"not a readable DataPipeline frame store ({e.Message})", fullPath, e);
        }
        catch
        {
            file?.Dispose();
            throw;
        }
    }

    public string Path { get; }
    public FrameStoreManifest Manifest { get; }
    public int Count => Manifest.Count;

    internal long[] Indices { get; }
    internal int[] SourceIds { get; }
    internal long[] PositionStarts { get; }
    internal int[] PositionCounts { get; }

    private void CheckDims(NativeDataset dataset, string name, int[] expected)
    {
        var dims = dataset.Space.Dimensions;
        if (!dims.Select(d => (long)d).SequenceEqual(expected.Select(d => (long)d)))
            throw new FrameStoreException($"dataset '{name}' has shape [{string.Join(", ", dims)}] but the manifest says [{string.Join(", ", expected)}].", Path);
    }

    /// <summary>The frame at store position <paramref name="position"/> (0-based).</summary>
    public Frame Read(int position)
    {
        if (position < 0 || position >= Count)
            throw new ArgumentOutOfRangeException(nameof(position), position, $"The store holds frames 0 to {Count - 1}.");
        int blockStart = position / Manifest.ChunkFrames * Manifest.ChunkFrames;
        if (_block?.Start != blockStart) _block = ReadBlock(blockStart);
        return _block.Frame(position);
    }

    /// <summary>Frames first .. first+count-1 in store order.</summary>
    public IEnumerable<Frame> ReadRange(int first, int count)
    {
        if (first < 0 || count < 0 || (long)first + count > Count)
            throw new ArgumentOutOfRangeException(nameof(count), $"Frames {first} to {(long)first + count - 1} are not all in the store (0 to {Count - 1}).");
        for (int i = first; i < first + count; i++)
            yield return Read(i);
    }

    /// <summary>
    /// Every frame in order, checking the content hash at the end: a store whose values changed
    /// since it was written ends the sequence with a <see cref="FrameStoreException"/>.
    /// </summary>
    public IEnumerable<Frame> ReadAll()
    {
        using var hash = new FrameStoreHash();
        for (int i = 0; i < Count; i++)
        {
            var frame = Read(i);
            hash.Add(Indices[i], SourceIds[i], frame.Data, frame.Label, PositionRowsOf(i));
            yield return frame;
        }
        string actual = hash.Finish();
        if (actual != Manifest.ContentHash)
            throw new FrameStoreException($"the frames do not match the manifest's content hash ({Manifest.ContentHash}, read {actual}); the store is damaged.", Path);
    }

    private ReadOnlySpan<double> PositionRowsOf(int position) => _block!.PositionRowsOf(position);

    /// <summary>
    /// The chunk block starting at frame <paramref name="blockStart"/> (a multiple of
    /// manifest.chunk_frames) in fresh arrays, so callers may keep several. Not thread-safe: the
    /// HDF5 file is read through one handle.
    /// </summary>
    internal FrameStoreBlock ReadBlock(int blockStart)
    {
        int n = Math.Min(Manifest.ChunkFrames, Count - blockStart);
        try
        {
            var data = new float[n * _frameValues];
            var labels = new float[n * _labelValues];
            ReadFrames(_data, blockStart, n, _dataShape, data);
            if (_labels is not null)
                ReadFrames(_labels, blockStart, n, Manifest.LabelShape!, labels);
            int last = blockStart + n - 1;
            long firstRow = PositionStarts[blockStart];
            long endRow = PositionStarts[last] + Math.Max(0, PositionCounts[last]);
            var positions = new double[(endRow - firstRow) * 5];
            if (endRow > firstRow)
            {
                var selection = new HyperslabSelection(2, [(ulong)firstRow, 0], [(ulong)(endRow - firstRow), 5]);
                _positions!.Read<double>(positions.AsSpan(), fileSelection: selection, memoryDims: [(ulong)positions.Length]);
            }
            return new FrameStoreBlock(this, blockStart, n, data, labels, positions, firstRow);
        }
        catch (Exception e) when (e is not FrameStoreException)
        {
            throw new FrameStoreException($"frames {blockStart} to {blockStart + n - 1} cannot be read ({e.Message}); the store is damaged or truncated.", Path, e);
        }
    }

    internal Frame MakeFrame(int position, float[] data, float[]? label, IReadOnlyList<ScattererPosition>? positions)
    {
        int source = SourceIds[position];
        return new Frame(data, (int[])Manifest.FrameShape.Clone(), label, (int[]?)Manifest.LabelShape?.Clone(),
            Manifest.Sources[source].Name, checked((int)Indices[position]), positions, _origins[source], Manifest.Channels);
    }

    /// <summary>
    /// Every frame's metadata from the per-frame datasets (index, source_id, positions_count) and
    /// the scatterer column of positions: no data or label value is read.
    /// </summary>
    internal FrameMetadata[] ReadMetadata()
    {
        var scatterers = new double[Manifest.PositionRows];
        if (scatterers.Length > 0)
        {
            // Only column 1 (scatterer) of the [rows, 5] positions table.
            var column = new HyperslabSelection(2, [0, 1], [(ulong)scatterers.Length, 1]);
            _positions!.Read<double>(scatterers.AsSpan(), fileSelection: column, memoryDims: [(ulong)scatterers.Length]);
        }
        var metadata = new FrameMetadata[Count];
        for (int i = 0; i < Count; i++)
        {
            var source = Manifest.Sources[SourceIds[i]];
            int? distinct = PositionCounts[i] < 0 ? null
                : scatterers.AsSpan((int)PositionStarts[i], PositionCounts[i]).ToArray().Distinct().Count();
            metadata[i] = new FrameMetadata(i, source.Name, checked((int)Indices[i]), distinct, source.Generator, source.Seed);
        }
        return metadata;
    }

    internal int FrameValues => _frameValues;
    internal int LabelValues => _labelValues;
    internal bool HasLabels => _labels is not null;

    private static void ReadFrames(NativeDataset dataset, int first, int count, int[] shape, Span<float> target)
    {
        ulong[] starts = new ulong[shape.Length + 1];
        starts[0] = (ulong)first;
        ulong[] blocks = [(ulong)count, .. shape.Select(d => (ulong)d)];
        dataset.Read<float>(target, fileSelection: new HyperslabSelection(blocks.Length, starts, blocks), memoryDims: [(ulong)target.Length]);
    }

    public void Dispose() => _file.Dispose();
}

/// <summary>One chunk block of a store in memory: the frames' values and their position rows.</summary>
internal sealed class FrameStoreBlock
{
    private readonly FrameStoreReader _store;
    private readonly float[] _data, _labels;
    private readonly double[] _positions;
    private readonly long _firstRow;

    internal FrameStoreBlock(FrameStoreReader store, int start, int count, float[] data, float[] labels, double[] positions, long firstRow)
    {
        _store = store;
        Start = start;
        Count = count;
        _data = data;
        _labels = labels;
        _positions = positions;
        _firstRow = firstRow;
    }

    public int Start { get; }
    public int Count { get; }

    /// <summary>Bytes held, for bounding a cache of blocks.</summary>
    public long Bytes => (_data.LongLength + _labels.LongLength) * sizeof(float) + _positions.LongLength * sizeof(double);

    public ReadOnlySpan<double> PositionRowsOf(int position)
    {
        int count = Math.Max(0, _store.PositionCounts[position]);
        return _positions.AsSpan((int)(_store.PositionStarts[position] - _firstRow) * 5, count * 5);
    }

    public IReadOnlyList<ScattererPosition>? Positions(int position)
    {
        if (_store.PositionCounts[position] < 0) return null;
        var rows = PositionRowsOf(position);
        var positions = new List<ScattererPosition>(rows.Length / 5);
        for (int i = 0; i < rows.Length; i += 5)
            positions.Add(new ScattererPosition((int)rows[i], (int)rows[i + 1], rows[i + 2], rows[i + 3], rows[i + 4] != 0));
        return positions;
    }

    public ReadOnlySpan<float> Data(int position) => _data.AsSpan((position - Start) * _store.FrameValues, _store.FrameValues);
    public ReadOnlySpan<float> Label(int position) => _labels.AsSpan((position - Start) * _store.LabelValues, _store.LabelValues);

    public Frame Frame(int position) =>
        _store.MakeFrame(position, Data(position).ToArray(), _store.HasLabels ? Label(position).ToArray() : null, Positions(position));
}
