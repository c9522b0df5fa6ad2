namespace DataPipeline.Engine.Frames;

/// <summary>
/// Some frames of another source, in the order given: what a query on the frames' metadata
/// (New-BatchGenerator -Filter) keeps. Chunks are the inner source's, so a store subset is still
/// read a chunk at a time, and only the chunks that hold kept frames are ever read.
/// </summary>
public sealed class FrameSubset : IFrameSource, IDisposable
{
    private readonly int[] _positions;

    /// <param name="positions">Positions in <paramref name="inner"/> of the kept frames, each at most once.</param>
    public FrameSubset(IFrameSource inner, IReadOnlyList<int> positions)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(positions);
        if (positions.Count == 0)
            throw new ArgumentException($"No frame of {inner.SourceLabel(0)} is kept; a subset needs at least one.", nameof(positions));
        var seen = new HashSet<int>();
        foreach (int p in positions)
        {
            if (p < 0 || p >= inner.Count)
                throw new ArgumentOutOfRangeException(nameof(positions), p, $"The source holds frames 0 to {inner.Count - 1}.");
            if (!seen.Add(p))
                throw new ArgumentException($"Frame {p} is kept twice; a subset names each frame once.", nameof(positions));
        }
        Inner = inner;
        _positions = [.. positions];
    }

    public IFrameSource Inner { get; }

    /// <summary>The kept frames' positions in <see cref="Inner"/>.</summary>
    public IReadOnlyList<int> Positions => _positions;

    public int Count => _positions.Length;
    public int[] FrameShape => Inner.FrameShape;
    public int[] LabelShape => Inner.LabelShape;
    public bool HasPositions => Inner.HasPositions;
    public bool IsChunked => Inner.IsChunked;
    public long ChunkOf(int position) => Inner.ChunkOf(_positions[position]);
    public Frame Read(int position) => Inner.Read(_positions[position]);
    public string SourceLabel(int position) => Inner.SourceLabel(_positions[position]);

    public IReadOnlyList<ScattererPosition>? CopyTo(int position, Span<float> data, Span<float> label) =>
        Inner.CopyTo(_positions[position], data, label);

    public void Dispose() => (Inner as IDisposable)?.Dispose();
}
