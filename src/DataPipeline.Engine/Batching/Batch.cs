using System.Collections.Concurrent;
using DataPipeline.Engine.Frames;

namespace DataPipeline.Engine.Batching;

public enum BatchSplit
{
    Training,
    Validation,
}

/// <summary>
/// Frames stacked for the model: Data is [N, C, H, W] (or [N, C, T, H, W]; C = 1, or 2 for IQ) and
/// Label [N, 1, ...] at the label's resolution, both row-major float32. Indices are the frames' positions in the
/// generator, in batch order, so a user can trace every sample.
/// </summary>
public sealed class Batch
{
    private float[]? _data, _label;
    private readonly BatchBufferPool? _pool;

    internal Batch(BatchSplit split, int epoch, int number, int[] indices, float[] data, int[] shape, float[] label, int[] labelShape,
        IReadOnlyList<ScattererPosition>?[] positions, string[] sources, BatchBufferPool? pool = null)
    {
        Sources = sources;
        _pool = pool;
        Positions = positions;
        Split = split;
        Epoch = epoch + 1;
        Number = number;
        Indices = indices;
        _data = data;
        Shape = shape;
        _label = label;
        LabelShape = labelShape;
    }

    public BatchSplit Split { get; }

    /// <summary>
    /// The epoch, counted from 1 as the history, run.log and -Verbose count it (the generator's
    /// own methods take it from 0, as the random streams are seeded).
    /// </summary>
    public int Epoch { get; }

    /// <summary>0-based position of this batch within its epoch.</summary>
    public int Number { get; }

    public int[] Indices { get; }

    /// <summary>Each sample's source label (a store's file name, "pipeline"), in batch order.</summary>
    public string[] Sources { get; }
    public int Count => Indices.Length;
    public float[] Data => _data ?? throw Recycled();
    public int[] Shape { get; }
    public float[] Label => _label ?? throw Recycled();
    public int[] LabelShape { get; }

    /// <summary>
    /// Each sample's integer class (its source's, from New-BatchGenerator -ClassLabel, as
    /// multi_source_array's class_list gave), in batch order; null when the generator has no classes.
    /// </summary>
    public int[]? ClassLabels { get; internal init; }

    /// <summary>Each sample's scatterer positions after augmentation (null where the frame has none).</summary>
    public IReadOnlyList<ScattererPosition>?[] Positions { get; }

    /// <summary>Gives the arrays back to the generator's pool; reading Data or Label afterwards is an error.</summary>
    internal void Recycle()
    {
        var (data, label) = (_data, _label);
        if (data is null || label is null) throw Recycled();
        _data = _label = null;
        _pool?.Return(data, label);
    }

    private ObjectDisposedException Recycled() =>
        new(nameof(Batch), $"Batch {Number} of epoch {Epoch} was recycled: its arrays now hold another batch.");
}

/// <summary>
/// Reused arrays for full batches. A fresh 2.6 MB batch per step lands on the large-object heap and
/// makes the collector sweep every frame in memory again and again; recycled arrays keep the steady
/// state allocation-free. Bounded, so a consumer that never recycles costs nothing extra.
/// </summary>
internal sealed class BatchBufferPool(int dataLength, int labelLength, int capacity)
{
    private readonly ConcurrentBag<float[]> _data = [], _labels = [];

    public float[] RentData() => _data.TryTake(out var a) ? a : new float[dataLength];
    public float[] RentLabel() => _labels.TryTake(out var a) ? a : new float[labelLength];

    public void Return(float[] data, float[] label)
    {
        if (data.Length == dataLength && _data.Count < capacity) _data.Add(data);
        if (label.Length == labelLength && _labels.Count < capacity) _labels.Add(label);
    }
}

/// <summary>
/// How a generator splits and weights its frames when ValidationFraction and uniform sampling are
/// not what is wanted. Indices are generator positions (0..FrameCount-1).
/// </summary>
/// <param name="TrainingIndex">The training frames; null = every frame not in ValidationIndex.</param>
/// <param name="ValidationIndex">The validation frames; null = every frame not in TrainingIndex.</param>
/// <param name="Weights">One non-negative weight per frame; training draws frames with replacement in proportion to them.</param>
/// <param name="PatchMask">H x W data pixels, row-major: true where a patch's centre may lie (needs patch_size); null = anywhere.</param>
/// <param name="ClassLabels">One integer class (0 or more) per frame, carried on batches as Batch.ClassLabels; null = none.</param>
/// <param name="ClassWeights">One non-negative loss weight per class (needs ClassLabels): training weights each sample's loss by its class's.</param>
public sealed record BatchSampling(int[]? TrainingIndex = null, int[]? ValidationIndex = null, double[]? Weights = null, bool[]? PatchMask = null,
    int[]? ClassLabels = null, double[]? ClassWeights = null);
