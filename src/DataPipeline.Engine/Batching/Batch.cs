using DataPipeline.Engine.Frames;

namespace DataPipeline.Engine.Batching;

public enum BatchSplit
{
    Training,
    Validation,
}

/// <summary>
/// Frames stacked for the model: Data is [N, 1, H, W] (or [N, 1, T, H, W]) and Label the same at
/// the label's resolution, both row-major float32. Indices are the frames' positions in the
/// generator, in batch order, so a user can trace every sample.
/// </summary>
public sealed class Batch
{
    internal Batch(BatchSplit split, int epoch, int number, int[] indices, float[] data, int[] shape, float[] label, int[] labelShape,
        IReadOnlyList<ScattererPosition>?[] positions)
    {
        Positions = positions;
        Split = split;
        Epoch = epoch;
        Number = number;
        Indices = indices;
        Data = data;
        Shape = shape;
        Label = label;
        LabelShape = labelShape;
    }

    public BatchSplit Split { get; }
    public int Epoch { get; }

    /// <summary>0-based position of this batch within its epoch.</summary>
    public int Number { get; }

    public int[] Indices { get; }
    public int Count => Indices.Length;
    public float[] Data { get; }
    public int[] Shape { get; }
    public float[] Label { get; }
    public int[] LabelShape { get; }

    /// <summary>Each sample's scatterer positions after augmentation (null where the frame has none).</summary>
    public IReadOnlyList<ScattererPosition>?[] Positions { get; }
}
