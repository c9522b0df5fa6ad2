namespace DataPipeline.Engine.Frames;

/// <summary>
/// Each 2-D frame extended with its neighbouring steps of the same sequence, as ketos's n_extend
/// extends a sample: with a window of k, frame i of a recording becomes the [2k+1, H, W] stack of
/// frames i-k .. i+k (and its label the stack of their labels), so a model sees the motion around
/// the step it localises. A sequence is the frames of one Source, in Index order.
/// </summary>
/// <remarks>
/// At the ends of a recording the outermost step is repeated (edge padding), and a missing index
/// ends the recording on that side: every sample keeps its shape and its centre, and no frame of another
/// recording is ever mixed in. Positions come along with TimeStep set to the step's place in the window.
/// </remarks>
public sealed class SequenceWindowSource : IFrameSource, IDisposable
{
    private readonly int[] _neighbours; // Count x Steps inner positions, row-major
    private readonly int _dataValues, _labelValues;

    public SequenceWindowSource(IFrameSource inner, int window)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        if (inner.FrameShape.Length != 2)
            throw new ArgumentException(
                $"sequence_window stacks neighbouring 2-D frames, but these frames are already [{string.Join("x", inner.FrameShape)}] sequences; use 2-D frames or sequence_window = 0.");
        Inner = inner;
        Window = window;
        Steps = 2 * window + 1;
        FrameShape = [Steps, .. inner.FrameShape];
        LabelShape = [Steps, .. inner.LabelShape];
        _dataValues = Frame.ElementCount(inner.FrameShape);
        _labelValues = Frame.ElementCount(inner.LabelShape);
        _neighbours = Neighbours(FrameMetadata.Of(inner), window);
    }

    public IFrameSource Inner { get; }

    /// <summary>Steps taken on each side of a sample (the lab's n_extend).</summary>
    public int Window { get; }

    /// <summary>Steps in each sample: 2 * Window + 1.</summary>
    public int Steps { get; }

    public int Count => Inner.Count;
    public int[] FrameShape { get; }
    public int[] LabelShape { get; }
    public bool HasPositions => Inner.HasPositions;
    public bool IsChunked => Inner.IsChunked;
    public long ChunkOf(int position) => Inner.ChunkOf(position);
    public string SourceLabel(int position) => Inner.SourceLabel(position);

    /// <summary>The inner positions of sample <paramref name="position"/>'s steps, earliest first (the centre in the middle).</summary>
    public ReadOnlySpan<int> StepsOf(int position)
    {
        if (position < 0 || position >= Count)
            throw new ArgumentOutOfRangeException(nameof(position), position, $"The source holds frames 0 to {Count - 1}.");
        return _neighbours.AsSpan(position * Steps, Steps);
    }

    public IReadOnlyList<ScattererPosition>? CopyTo(int position, Span<float> data, Span<float> label)
    {
        var steps = StepsOf(position);
        List<ScattererPosition>? positions = [];
        for (int j = 0; j < steps.Length; j++)
        {
            var own = Inner.CopyTo(steps[j], data.Slice(j * _dataValues, _dataValues), label.Slice(j * _labelValues, _labelValues));
            if (own is null) positions = null;
            else positions?.AddRange(own.Select(p => p with { TimeStep = j }));
        }
        return positions;
    }

    public Frame Read(int position)
    {
        var data = new float[Steps * _dataValues];
        var label = new float[Steps * _labelValues];
        var positions = CopyTo(position, data, label);
        var centre = Inner.Read(position);
        return new Frame(data, (int[])FrameShape.Clone(), label, (int[])LabelShape.Clone(), centre.Source, centre.Index, positions, centre.Origin);
    }

    public void Dispose() => (Inner as IDisposable)?.Dispose();

    /// <summary>
    /// For every frame, the positions of steps Index-k .. Index+k of its recording. Walking out from
    /// the centre, a missing index ends the recording on that side, and the last step found is repeated.
    /// </summary>
    private static int[] Neighbours(IReadOnlyList<FrameMetadata> frames, int window)
    {
        var at = new Dictionary<(string Source, int Index), int>();
        foreach (var m in frames) at.TryAdd((m.Source, m.Index), m.Position);
        int steps = 2 * window + 1;
        var neighbours = new int[frames.Count * steps];
        foreach (var m in frames)
        {
            neighbours[m.Position * steps + window] = m.Position;
            foreach (int side in (ReadOnlySpan<int>)[-1, 1])
            {
                int last = m.Position;
                bool ended = false;
                for (int e = 1; e <= window; e++)
                {
                    ended = ended || !at.TryGetValue((m.Source, m.Index + side * e), out last);
                    if (ended) last = neighbours[m.Position * steps + window + side * (e - 1)];
                    neighbours[m.Position * steps + window + side * e] = last;
                }
            }
        }
        return neighbours;
    }
}
