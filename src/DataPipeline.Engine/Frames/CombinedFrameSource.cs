namespace DataPipeline.Engine.Frames;

/// <summary>
/// Several frame sources (pipeline frames, stores) as one dataset: positions run through the
/// first source's frames, then the second's, and so on; every frame keeps its source's label.
/// Chunks stay each source's own, so a store inside keeps its chunk-window reading.
/// </summary>
public sealed class CombinedFrameSource : IFrameSource, IDisposable
{
    private readonly IFrameSource[] _parts;
    private readonly int[] _starts;

    public CombinedFrameSource(IReadOnlyList<IFrameSource> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0) throw new ArgumentException("Combining needs at least one source.", nameof(parts));
        var first = parts[0];
        for (int p = 1; p < parts.Count; p++)
        {
            if (parts[p].Channels != first.Channels)
                throw new ArgumentException(
                    $"Source {p + 1} ({parts[p].SourceLabel(0)}) has {parts[p].Channels} channel(s) but source 1 ({first.SourceLabel(0)}) has {first.Channels}; all sources of a generator must have the same channels.");
            if (!parts[p].FrameShape.SequenceEqual(first.FrameShape) || !parts[p].LabelShape.SequenceEqual(first.LabelShape))
                throw new ArgumentException(
                    $"Source {p + 1} ({parts[p].SourceLabel(0)}) is [{string.Join("x", parts[p].FrameShape)}] -> [{string.Join("x", parts[p].LabelShape)}] " +
                    $"but source 1 ({first.SourceLabel(0)}) is [{string.Join("x", first.FrameShape)}] -> [{string.Join("x", first.LabelShape)}]; all sources of a generator must have one shape.");
        }
        _parts = [.. parts];
        _starts = new int[_parts.Length + 1];
        for (int p = 0; p < _parts.Length; p++)
            _starts[p + 1] = checked(_starts[p] + _parts[p].Count);
        HasPositions = _parts.All(p => p.HasPositions);
    }

    public IReadOnlyList<IFrameSource> Parts => _parts;

    /// <summary>The generator position of source <paramref name="part"/>'s first frame.</summary>
    public int StartOf(int part) => _starts[part];

    public int Count => _starts[^1];
    public int[] FrameShape => _parts[0].FrameShape;
    public int[] LabelShape => _parts[0].LabelShape;
    public int Channels => _parts[0].Channels;
    public bool HasPositions { get; }
    public bool IsChunked => _parts.Any(p => p.IsChunked);

    /// <summary>The source index in the high bits keeps two sources' chunk numbers apart.</summary>
    public long ChunkOf(int position)
    {
        var (part, local) = Locate(position);
        return ((long)part << 40) | _parts[part].ChunkOf(local);
    }

    public Frame Read(int position)
    {
        var (part, local) = Locate(position);
        return _parts[part].Read(local);
    }

    public IReadOnlyList<ScattererPosition>? CopyTo(int position, Span<float> data, Span<float> label)
    {
        var (part, local) = Locate(position);
        return _parts[part].CopyTo(local, data, label);
    }

    public string SourceLabel(int position)
    {
        var (part, local) = Locate(position);
        return _parts[part].SourceLabel(local);
    }

    public (int Part, int Local) Locate(int position)
    {
        if (position < 0 || position >= Count)
            throw new ArgumentOutOfRangeException(nameof(position), position, $"The sources hold frames 0 to {Count - 1}.");
        int part = Array.BinarySearch(_starts, position);
        part = part >= 0 ? part : ~part - 1;
        // Empty sources share a start with the next one; the frame belongs to the last of them.
        while (_starts[part + 1] <= position) part++;
        return (part, position - _starts[part]);
    }

    public void Dispose()
    {
        foreach (var part in _parts) (part as IDisposable)?.Dispose();
    }
}
