namespace DataPipeline.Engine.Frames;

/// <summary>
/// Where a batch generator takes its frames from: a list held in memory, an HDF5 frame store read
/// chunk by chunk, or several of these sampled as one dataset. Frames are addressed by position
/// 0..Count-1. Every member must be safe to call from several worker threads at once.
/// </summary>
public interface IFrameSource
{
    int Count { get; }

    /// <summary>[H, W] or [T, H, W], the same for every frame.</summary>
    int[] FrameShape { get; }

    /// <summary>The label's shape, the same for every frame.</summary>
    int[] LabelShape { get; }

    /// <summary>Data channels per frame (2 for IQ), the same for every frame; the data span holds Channels × FrameShape values.</summary>
    int Channels => 1;

    /// <summary>True when every frame carries its scatterer positions.</summary>
    bool HasPositions { get; }

    /// <summary>
    /// The read unit that frame <paramref name="position"/> belongs to. Frames sharing a chunk are
    /// read from disk together, so a sampler that keeps them close in its order reads each chunk once.
    /// In-memory frames are each their own chunk.
    /// </summary>
    long ChunkOf(int position);

    /// <summary>True when some frames share chunks (reading out of order costs re-reads).</summary>
    bool IsChunked { get; }

    /// <summary>The whole frame at <paramref name="position"/>.</summary>
    Frame Read(int position);

    /// <summary>
    /// Copies frame <paramref name="position"/>'s data and label into the given spans (sized by
    /// FrameShape and LabelShape) and returns its positions, without building a Frame.
    /// </summary>
    IReadOnlyList<ScattererPosition>? CopyTo(int position, Span<float> data, Span<float> label);

    /// <summary>The label of the dataset frame <paramref name="position"/> came from (a folder, a store, "pipeline").</summary>
    string SourceLabel(int position);
}

/// <summary>Frames held in memory, as they came down the pipeline.</summary>
public sealed class FrameList : IFrameSource
{
    private readonly IReadOnlyList<Frame> _frames;
    private readonly string _label;

    public FrameList(IReadOnlyList<Frame> frames, string label = "pipeline")
    {
        ArgumentNullException.ThrowIfNull(frames);
        if (frames.Count == 0)
            throw new ArgumentException("A batch generator needs at least one frame.", nameof(frames));
        var first = frames[0];
        for (int i = 0; i < frames.Count; i++)
        {
            var f = frames[i];
            if (f.Label is null)
                throw new ArgumentException($"Frame {i} ({f}) has no label; training needs labelled frames.");
            if (f.Channels != first.Channels)
                throw new ArgumentException(
                    $"Frame {i} ({f}) has {f.Channels} channel(s) but frame 0 has {first.Channels}; all frames of a generator must have the same channels (simulation.output).");
            if (!f.Shape.SequenceEqual(first.Shape) || !f.LabelShape!.SequenceEqual(first.LabelShape!))
                throw new ArgumentException(
                    $"Frame {i} ({f}) is [{string.Join("x", f.Shape)}] -> [{string.Join("x", f.LabelShape!)}] but frame 0 is " +
                    $"[{string.Join("x", first.Shape)}] -> [{string.Join("x", first.LabelShape!)}]; all frames of a generator must have one shape.");
        }
        _frames = frames;
        _label = label;
        HasPositions = frames.All(f => f.Positions is not null);
    }

    public int Count => _frames.Count;
    public int[] FrameShape => _frames[0].Shape;
    public int[] LabelShape => _frames[0].LabelShape!;
    public int Channels => _frames[0].Channels;
    public bool HasPositions { get; }
    public bool IsChunked => false;
    public long ChunkOf(int position) => position;
    public Frame Read(int position) => _frames[position];
    public string SourceLabel(int position) => _label;

    public IReadOnlyList<ScattererPosition>? CopyTo(int position, Span<float> data, Span<float> label)
    {
        var frame = _frames[position];
        frame.Data.CopyTo(data);
        frame.Label.CopyTo(label);
        return frame.Positions;
    }
}
