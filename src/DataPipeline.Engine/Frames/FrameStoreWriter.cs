using System.Runtime.InteropServices;
using DataPipeline.Engine.IO;
using PureHDF;
using PureHDF.Filters;
using PureHDF.Selections;
using PureHDF.VOL.Native;

namespace DataPipeline.Engine.Frames;

/// <summary>
/// Writes frames into an HDF5 frame store (layout: docs/frame-store.md). PureHDF must know every
/// dataset's final size before it writes and cannot extend a file, while frames arrive one by one
/// from a pipeline of unknown length. So <see cref="Add"/> appends each frame's values to a spool
/// file beside the target (memory stays bounded), and <see cref="Commit"/> writes the store to a
/// temporary file, chunk block by chunk block, and renames it over the target only once PureHDF
/// has finished. A writer killed at any point leaves the target as it was. Appending rewrites
/// the old frames and the new ones into a new file the same way.
/// </summary>
public sealed class FrameStoreWriter : IDisposable
{
    /// <summary>Aim for chunks of about 1 MiB: large enough to compress well and to keep reads few.</summary>
    private const int ChunkBytes = 1 << 20;
    private const int MaxChunkFrames = 256;
    private const int MetadataChunk = 4096;

    private readonly string _path;
    private readonly string _spoolPath;
    private readonly FileStream _spool;
    private readonly FrameStoreHash _hash = new();
    private readonly FrameStoreManifest? _existing;

    private readonly List<long> _indices = [];
    private readonly List<int> _sourceIds = [];
    private readonly List<long> _positionStarts = [];
    private readonly List<int> _positionCounts = [];
    private readonly List<double> _positionRows = [];
    private readonly List<FrameStoreSource> _sources = [];
    private readonly Dictionary<string, int> _sourceIdByName = [];

    private int[]? _frameShape;
    private int _channels;
    private int[]? _labelShape;
    private bool _hasLabels;
    private bool _committed;

    private FrameStoreWriter(string path, bool append)
    {
        _path = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(_path)!;
        Directory.CreateDirectory(directory);
        if (append && File.Exists(_path))
        {
            // Hash the old frames first (the content hash covers the store in order) and refuse
            // to extend a store that no longer matches its own hash.
            using var reader = FrameStoreReader.Open(_path);
            _existing = reader.Manifest;
            _frameShape = reader.Manifest.FrameShape;
            _channels = reader.Manifest.Channels;
            _labelShape = reader.Manifest.LabelShape;
            _hasLabels = _labelShape is not null;
            foreach (var source in reader.Manifest.Sources)
            {
                _sourceIdByName[source.Name] = _sources.Count;
                _sources.Add(source);
            }
            using var check = new FrameStoreHash();
            for (int i = 0; i < reader.Count; i++)
            {
                var frame = reader.Read(i);
                var rows = FrameStoreHash.PositionRows(frame.Positions);
                _hash.Add(reader.Indices[i], reader.SourceIds[i], frame.Data, frame.Label, rows);
                check.Add(reader.Indices[i], reader.SourceIds[i], frame.Data, frame.Label, rows);
                _indices.Add(reader.Indices[i]);
                _sourceIds.Add(reader.SourceIds[i]);
                _positionStarts.Add(_positionRows.Count / 5);
                _positionCounts.Add(reader.PositionCounts[i]);
                _positionRows.AddRange(rows);
            }
            if (check.Finish() != reader.Manifest.ContentHash)
                throw new FrameStoreException("the store does not match its own content hash, so it is not extended; it is damaged.", _path);
        }
        // Named as AtomicFile names its temporaries, so a killed export's spool is removed by the next write.
        _spoolPath = AtomicFile.TemporaryPath(_path);
        _spool = new FileStream(_spoolPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
    }

    /// <summary>Starts a store at <paramref name="path"/>; with <paramref name="append"/>, after the frames already there.</summary>
    public static FrameStoreWriter Create(string path, bool append = false) => new(path, append);

    /// <summary>Frames in the store once committed (old ones included when appending).</summary>
    public int Count => _indices.Count;

    /// <summary>Adds a frame; its shapes must match the store's.</summary>
    public void Add(Frame frame)
    {
        ObjectDisposedException.ThrowIf(_committed, this);
        if (_frameShape is null)
        {
            _frameShape = (int[])frame.Shape.Clone();
            _channels = frame.Channels;
            _labelShape = (int[]?)frame.LabelShape?.Clone();
            _hasLabels = frame.Label is not null;
        }
        if (!frame.Shape.SequenceEqual(_frameShape))
            throw new FrameStoreException($"frame {frame} has shape [{string.Join(", ", frame.Shape)}] but the store holds frames of [{string.Join(", ", _frameShape)}]; one store holds one shape.", _path);
        if (frame.Channels != _channels)
            throw new FrameStoreException($"frame {frame} has {frame.Channels} channel(s) but the store's frames have {_channels}; one store holds one channel count (simulation.output: IQ has 2, envelope and B-mode 1). Write it to another store.", _path);
        if ((frame.Label is not null) != _hasLabels)
            throw new FrameStoreException($"frame {frame} {(_hasLabels ? "has no label but the store's frames have" : "has a label but the store's frames have none")}.", _path);
        if (_hasLabels && !frame.LabelShape!.SequenceEqual(_labelShape!))
            throw new FrameStoreException($"frame {frame} has label shape [{string.Join(", ", frame.LabelShape!)}] but the store's labels are [{string.Join(", ", _labelShape!)}].", _path);

        if (!_sourceIdByName.TryGetValue(frame.Source, out int sourceId))
        {
            sourceId = _sources.Count;
            _sourceIdByName[frame.Source] = sourceId;
            _sources.Add(new FrameStoreSource(frame.Source, frame.Origin?.Generator, frame.Origin?.Seed, frame.Origin?.Configuration));
        }
        var rows = FrameStoreHash.PositionRows(frame.Positions);
        _hash.Add(frame.Index, sourceId, frame.Data, frame.Label, rows);
        _spool.Write(MemoryMarshal.AsBytes(frame.Data.AsSpan()));
        if (frame.Label is not null) _spool.Write(MemoryMarshal.AsBytes(frame.Label.AsSpan()));
        _indices.Add(frame.Index);
        _sourceIds.Add(sourceId);
        _positionStarts.Add(_positionRows.Count / 5);
        _positionCounts.Add(frame.Positions?.Count ?? -1);
        _positionRows.AddRange(rows);
    }

    /// <summary>Writes the store and puts it in place; returns its manifest.</summary>
    public FrameStoreManifest Commit()
    {
        ObjectDisposedException.ThrowIf(_committed, this);
        if (Count == 0 || _frameShape is null)
            throw new FrameStoreException("no frames to write; a store holds at least one frame.", _path);
        _committed = true;

        int frameValues = _channels * Frame.ElementCount(_frameShape);
        int[] dataShape = DataShape(_channels, _frameShape);
        int labelValues = _hasLabels ? Frame.ElementCount(_labelShape!) : 0;
        int largest = Math.Max(frameValues, labelValues) * sizeof(float);
        int chunkFrames = Math.Clamp(ChunkBytes / largest, 1, Math.Min(MaxChunkFrames, Count));
        int oldCount = _existing?.Count ?? 0;

        var manifest = new FrameStoreManifest
        {
            Count = Count,
            FrameShape = _frameShape,
            Channels = _channels,
            LabelShape = _hasLabels ? _labelShape : null,
            ChunkFrames = chunkFrames,
            PositionRows = _positionRows.Count / 5,
            Sources = _sources,
            ContentHash = _hash.Finish(),
            CreatedUtc = DateTime.UtcNow,
            Writer = $"DataPipeline {typeof(FrameStoreWriter).Assembly.GetName().Version} with PureHDF {typeof(H5File).Assembly.GetName().Version}",
        };

        var file = new H5File { Attributes = { ["format"] = FrameStoreManifest.FormatName } };
        var data = FrameDataset(Count, dataShape, chunkFrames);
        file["data"] = data;
        H5Dataset<float[]>? labels = null;
        if (_hasLabels)
        {
            labels = FrameDataset(Count, _labelShape!, chunkFrames);
            file["labels"] = labels;
        }
        file["index"] = Metadata(_indices.ToArray(), [(ulong)Count]);
        file["source_id"] = Metadata(_sourceIds.ToArray(), [(ulong)Count]);
        file["positions_start"] = Metadata(_positionStarts.ToArray(), [(ulong)Count]);
        file["positions_count"] = Metadata(_positionCounts.ToArray(), [(ulong)Count]);
        if (manifest.PositionRows > 0)
            file["positions"] = Metadata(_positionRows.ToArray(), [(ulong)manifest.PositionRows, 5]);
        file["sources"] = new H5Dataset(_sources.Select(s => s.Name).ToArray());
        file["manifest"] = new H5Dataset(manifest.ToJson());

        AtomicFile.Write(_path, temporary =>
        {
            using var old = _existing is null ? null : FrameStoreReader.Open(_path);
            _spool.Position = 0;
            // Dispose (which finishes the file) runs even when a block fails, but then the
            // exception still reaches AtomicFile, which deletes the temporary file unrenamed.
            using var writer = file.BeginWrite(temporary);
            var dataBlock = new float[chunkFrames * frameValues];
            var labelBlock = new float[chunkFrames * labelValues];
            for (int first = 0; first < Count; first += chunkFrames)
            {
                int n = Math.Min(chunkFrames, Count - first);
                if (n < chunkFrames)
                {
                    dataBlock = new float[n * frameValues];
                    labelBlock = new float[n * labelValues];
                }
                for (int i = 0; i < n; i++)
                {
                    var frameData = dataBlock.AsSpan(i * frameValues, frameValues);
                    var frameLabel = labelBlock.AsSpan(i * labelValues, labelValues);
                    if (first + i < oldCount)
                    {
                        var frame = old!.Read(first + i);
                        frame.Data.CopyTo(frameData);
                        frame.Label?.CopyTo(frameLabel);
                    }
                    else
                    {
                        _spool.ReadExactly(MemoryMarshal.AsBytes(frameData));
                        _spool.ReadExactly(MemoryMarshal.AsBytes(frameLabel));
                    }
                }
                writer.Write(data, dataBlock, fileSelection: FrameBlock(first, n, dataShape));
                if (labels is not null)
                    writer.Write(labels, labelBlock, fileSelection: FrameBlock(first, n, _labelShape!));
            }
        });
        Dispose();
        return manifest;
    }

    /// <summary>
    /// One frame's extent in <c>data</c>: the channel axis comes first (Frame.Data is channel-major)
    /// and only when there is more than one channel, so one-channel stores keep their original layout.
    /// </summary>
    internal static int[] DataShape(int channels, int[] frameShape) => channels == 1 ? frameShape : [channels, .. frameShape];

    private static List<H5Filter> Deflate() =>
        [new H5Filter(DeflateFilter.Id, new Dictionary<string, object> { [DeflateFilter.COMPRESSION_LEVEL] = 1 })];

    private static H5Dataset<float[]> FrameDataset(int count, int[] shape, int chunkFrames) => new(
        fileDims: [(ulong)count, .. shape.Select(d => (ulong)d)],
        chunks: [(uint)chunkFrames, .. shape.Select(d => (uint)d)],
        datasetCreation: new H5DatasetCreation(ChunkCache: new BoundedWritingChunkCache(4), Filters: Deflate()));

    private static H5Dataset Metadata(Array values, ulong[] dims)
    {
        uint[] chunks = [(uint)Math.Min((ulong)MetadataChunk, dims[0]), .. dims.Skip(1).Select(d => (uint)d)];
        return new H5Dataset(values, chunks: chunks, fileDims: dims, datasetCreation: new H5DatasetCreation(Filters: Deflate()));
    }

    private static HyperslabSelection FrameBlock(int first, int count, int[] shape)
    {
        ulong[] starts = new ulong[shape.Length + 1];
        starts[0] = (ulong)first;
        ulong[] blocks = [(ulong)count, .. shape.Select(d => (ulong)d)];
        return new HyperslabSelection(blocks.Length, starts, blocks);
    }

    /// <summary>Abandons an uncommitted store: the spool is deleted and the target left as it was.</summary>
    public void Dispose()
    {
        _committed = true;
        _spool.Dispose();
        _hash.Dispose();
    }
}
