namespace DataPipeline.Engine.Frames;

/// <summary>
/// One training example: a low-resolution data frame (float32, [H, W] or [T, H, W]) and its label
/// map at SizeRatio times the resolution, with the true scatterer positions when they are known.
/// Arrays are row-major, managed memory, so a Frame can sit in a PowerShell variable, be piped and
/// be written to disk without any tensor library.
/// </summary>
public sealed class Frame
{
    public Frame(float[] data, int[] shape, float[]? label, int[]? labelShape, string source, int index,
        IReadOnlyList<ScattererPosition>? positions = null, FrameOrigin? origin = null, int channels = 1)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length is < 2 or > 3)
            throw new ArgumentException($"A frame is [H, W] or [T, H, W]; got {shape.Length} dimensions.", nameof(shape));
        if (channels < 1)
            throw new ArgumentOutOfRangeException(nameof(channels), $"A frame has at least one channel; got {channels}.");
        if ((long)channels * ElementCount(shape) != data.Length)
            throw new ArgumentException($"Data holds {data.Length} values but {channels} channel(s) of shape [{string.Join(", ", shape)}] need {(long)channels * ElementCount(shape)}.", nameof(data));
        if ((label is null) != (labelShape is null))
            throw new ArgumentException("A label needs its shape, and a label shape needs a label.", nameof(labelShape));
        if (label is not null)
        {
            // A sequence may carry one 2-D label for all its steps (a track image, or one map per sequence).
            if (labelShape!.Length != shape.Length && !(labelShape.Length == 2 && shape.Length == 3))
                throw new ArgumentException(
                    $"A label is [H·r, W·r] or, for [T, H, W] data, [T, H·r, W·r] or [H·r, W·r]; got [{string.Join(", ", labelShape)}] for data [{string.Join(", ", shape)}].", nameof(labelShape));
            if (ElementCount(labelShape) != label.Length)
                throw new ArgumentException($"Label holds {label.Length} values but its shape needs {ElementCount(labelShape)}.", nameof(label));
        }
        Data = data;
        Shape = shape;
        Label = label;
        LabelShape = labelShape;
        Source = source;
        Index = index;
        Positions = positions;
        Origin = origin;
        Channels = channels;
    }

    /// <summary>Data values, row-major over [<see cref="Channels"/>, ..<see cref="Shape"/>]: channel 0's values, then channel 1's.</summary>
    public float[] Data { get; }

    /// <summary>[H, W] or [T, H, W] of each channel (the channel count is kept apart so a 2-channel frame never reads as a sequence).</summary>
    public int[] Shape { get; }

    /// <summary>Values per pixel: 1, or 2 for IQ (real, imaginary); the model sees them as its input channels.</summary>
    public int Channels { get; }

    /// <summary>Label map, row-major over <see cref="LabelShape"/>; null for unlabelled frames.</summary>
    public float[]? Label { get; }

    /// <summary>[H·r, W·r] or [T, H·r, W·r]; [H·r, W·r] with [T, H, W] data is one label for the whole sequence.</summary>
    public int[]? LabelShape { get; }

    /// <summary>Where the frame came from: a file path, or "synthetic(seed=…)".</summary>
    public string Source { get; }

    /// <summary>Position of the frame within its source.</summary>
    public int Index { get; }

    /// <summary>True scatterer positions in data pixel coordinates, when known (simulated frames).</summary>
    public IReadOnlyList<ScattererPosition>? Positions { get; }

    /// <summary>What made the frame (generator, seed, settings), when known; shared by every frame of one run.</summary>
    public FrameOrigin? Origin { get; }

    /// <summary>
    /// The model's prediction for this frame (probabilities), row-major over <see cref="PredictionShape"/>:
    /// the label's shape for labelled frames. Null until Invoke-UNetPrediction or <see cref="WithPrediction(float[])"/>.
    /// </summary>
    public float[]? Prediction { get; private init; }

    public int[]? PredictionShape { get; private init; }

    /// <summary>A copy of this frame carrying a <paramref name="prediction"/> shaped like its label (like its data when unlabelled).</summary>
    public Frame WithPrediction(float[] prediction) => WithPrediction(prediction, LabelShape ?? Shape);

    /// <summary>A copy of this frame carrying <paramref name="prediction"/> of <paramref name="shape"/>.</summary>
    public Frame WithPrediction(float[] prediction, int[] shape)
    {
        if (ElementCount(shape) != prediction.Length)
            throw new ArgumentException($"A prediction of shape [{string.Join("x", shape)}] needs {ElementCount(shape)} values; got {prediction.Length}.", nameof(prediction));
        if (LabelShape is not null && !shape.SequenceEqual(LabelShape))
            throw new ArgumentException($"A prediction for {this} must have the label's shape [{string.Join("x", LabelShape)}]; got [{string.Join("x", shape)}].", nameof(shape));
        return new Frame(Data, Shape, Label, LabelShape, Source, Index, Positions, Origin, Channels) { Prediction = prediction, PredictionShape = shape };
    }

    public int TimeSteps => Shape.Length == 3 ? Shape[0] : 1;

    /// <summary>True when the label is one 2-D map for a whole [T, H, W] sequence (a track label).</summary>
    public bool LabelsSequence => LabelShape is { Length: 2 } && Shape.Length == 3;
    public int Height => Shape[^2];
    public int Width => Shape[^1];

    /// <summary>Label resolution over data resolution (1 when unlabelled).</summary>
    public int SizeRatio => LabelShape is null ? 1 : LabelShape[^1] / Shape[^1];

    /// <summary>Number of distinct scatterers, when positions are known.</summary>
    public int? ScattererCount => Positions?.Select(p => p.Scatterer).Distinct().Count();

    /// <summary>The smallest data value (a view column, so that Sort-Object Min works).</summary>
    public float Min => Data.Length == 0 ? float.NaN : System.Linq.Enumerable.Min(Data);

    /// <summary>The largest data value (a view column, so that Sort-Object Max works).</summary>
    public float Max => Data.Length == 0 ? float.NaN : System.Linq.Enumerable.Max(Data);

    internal static int ElementCount(int[] shape)
    {
        long count = 1;
        foreach (int d in shape)
        {
            if (d <= 0) throw new ArgumentException($"Dimensions must be positive; got [{string.Join(", ", shape)}].");
            count *= d;
            if (count > Array.MaxLength) throw new ArgumentException($"Shape [{string.Join(", ", shape)}] is too large for one frame.");
        }
        return (int)count;
    }

    public override string ToString() => $"{Source}#{Index} [{string.Join("x", Shape)}]";
}

/// <summary>
/// What produced a frame, so that a store can record how its frames were made and a run can be
/// repeated: the generator ("ScattererSimulator"), its seed, and its settings as TOML.
/// </summary>
public sealed record FrameOrigin(string Generator, long? Seed, string? Configuration);

/// <summary>
/// Where one scatterer is at one time step, in data pixel coordinates (pixel centres at integers;
/// Row is the first image axis). InData is false when the scatterer was dropped from the data at
/// that step (blinking / out of plane) but is still in the label.
/// </summary>
public readonly record struct ScattererPosition(int TimeStep, int Scatterer, double Row, double Column, bool InData);
