namespace DataPipeline.Engine.Frames;

/// <summary>
/// The first <see cref="Count"/> frames of another source (New-BatchGenerator -MaxFrames, data_tools'
/// per-source frame limit): the rest are never read. Owns the inner source (disposes it).
/// </summary>
public sealed class FirstFramesSource : IFrameSource, IDisposable
{
    private readonly IFrameSource _inner;

    public FirstFramesSource(IFrameSource inner, int count)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), $"A source keeps at least one frame; got {count}.");
        _inner = inner;
        Count = Math.Min(count, inner.Count);
    }

    public int Count { get; }
    public int[] FrameShape => _inner.FrameShape;
    public int[] LabelShape => _inner.LabelShape;
    public bool HasPositions => _inner.HasPositions;
    public bool IsChunked => _inner.IsChunked;
    public long ChunkOf(int position) => _inner.ChunkOf(Check(position));
    public Frame Read(int position) => _inner.Read(Check(position));
    public string SourceLabel(int position) => _inner.SourceLabel(Check(position));

    public IReadOnlyList<ScattererPosition>? CopyTo(int position, Span<float> data, Span<float> label) =>
        _inner.CopyTo(Check(position), data, label);

    private int Check(int position) => (uint)position < (uint)Count ? position
        : throw new ArgumentOutOfRangeException(nameof(position), $"Frame {position} is past the {Count} frames kept of this source.");

    public void Dispose() => (_inner as IDisposable)?.Dispose();
}
