using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Runtime;

namespace DataPipeline.Engine.Batching;

/// <summary>
/// Turns a set of labelled frames into batches for training and validation. Every epoch visits
/// every training frame exactly once (the original pipeline redrew each batch at random, so no
/// epoch ever covered the data, and without shuffling returned the same batch forever). The
/// validation split and each epoch's order are fixed by the seed.
///
/// Deliberately not IEnumerable: PowerShell unrolls enumerables piped from a variable, and a
/// generator must travel down the pipeline as one object.
/// </summary>
public sealed class BatchGenerator
{
    private readonly IReadOnlyList<Frame> _frames;
    private readonly int[] _training;
    private readonly int[] _validation;

    public BatchGenerator(IReadOnlyList<Frame> frames, BatchSettings settings, AugmentSettings? augment = null)
    {
        ArgumentNullException.ThrowIfNull(frames);
        if (frames.Count == 0)
            throw new ArgumentException("A batch generator needs at least one frame.", nameof(frames));
        CheckFramesAgree(frames);
        if (settings.BatchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(settings), $"BatchSize must be at least 1; got {settings.BatchSize}.");
        if (settings.ValidationFraction is < 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(settings), $"ValidationFraction must be in [0, 1); got {settings.ValidationFraction}.");

        _frames = frames;
        BatchSize = settings.BatchSize;
        Shuffle = settings.Shuffle;
        DropLast = settings.DropLast;
        ValidationFraction = settings.ValidationFraction;
        Seed = settings.Seed;
        Workers = settings.Workers >= 1 ? settings.Workers
            : throw new ArgumentOutOfRangeException(nameof(settings), $"Workers must be at least 1; got {settings.Workers}.");
        Prefetch = settings.Prefetch >= 0 ? settings.Prefetch
            : throw new ArgumentOutOfRangeException(nameof(settings), $"Prefetch must not be negative; got {settings.Prefetch}.");
        Augmenter = new Augmenter(augment ?? new AugmentSettings());
        if (Augmenter.Settings.Rot90 && FrameShape[^1] != FrameShape[^2])
            throw new ArgumentException($"rot90 needs square frames; these are {FrameShape[^2]}x{FrameShape[^1]}.", nameof(augment));
        (_training, _validation) = Split(frames.Count, settings.ValidationFraction, settings.Seed);
        if (DropLast && _training.Length < BatchSize)
            throw new ArgumentException(
                $"With DropLast, {_training.Length} training frames make no batch of {BatchSize}; lower BatchSize or ValidationFraction, or add frames.");
    }

    public int BatchSize { get; }
    public bool Shuffle { get; }
    public bool DropLast { get; }
    public double ValidationFraction { get; }
    public long Seed { get; }

    /// <summary>Background tasks that build batches in <see cref="Stream"/>.</summary>
    public int Workers { get; }

    /// <summary>Batches built ahead of the consumer in <see cref="Stream"/>.</summary>
    public int Prefetch { get; }

    /// <summary>Applied to training batches only: validation scores the frames as they are.</summary>
    public Augmenter Augmenter { get; }

    public int FrameCount => _frames.Count;
    public int TrainingCount => _training.Length;
    public int ValidationCount => _validation.Length;

    /// <summary>Shape of one frame's data: [H, W] or [T, H, W].</summary>
    public int[] FrameShape => _frames[0].Shape;
    public int[] LabelShape => _frames[0].LabelShape!;

    public int TrainingBatchesPerEpoch => BatchCount(_training.Length, DropLast);

    /// <summary>Validation never drops frames: every held-out frame is scored.</summary>
    public int ValidationBatchesPerEpoch => BatchCount(_validation.Length, dropLast: false);

    public IReadOnlyList<Frame> Frames => _frames;

    private int BatchCount(int frames, bool dropLast) =>
        dropLast ? frames / BatchSize : (frames + BatchSize - 1) / BatchSize;

    /// <summary>Frame positions of a split in the order epoch <paramref name="epoch"/> visits them.</summary>
    public int[] EpochOrder(BatchSplit split, int epoch)
    {
        if (split == BatchSplit.Validation) return (int[])_validation.Clone();
        var order = (int[])_training.Clone();
        if (Shuffle)
            new SeededRandom(Seed, 1 + (long)epoch).Shuffle(order);
        return order;
    }

    /// <summary>The batches of one epoch of a split, built lazily one at a time on the caller's thread.</summary>
    public IEnumerable<Batch> GetBatches(BatchSplit split = BatchSplit.Training, int epoch = 0)
    {
        int[] order = EpochOrder(split, epoch);
        int count = BatchesPerEpoch(split);
        for (int b = 0; b < count; b++)
            yield return Assemble(split, epoch, b, order);
    }

    /// <summary>
    /// The same batches as <see cref="GetBatches"/>, built by <see cref="Workers"/> background tasks
    /// at most <see cref="Prefetch"/> ahead; <paramref name="prefetcher"/> records the wait.
    /// </summary>
    public IEnumerable<Batch> Stream(BatchPrefetcher prefetcher, BatchSplit split = BatchSplit.Training, int epoch = 0,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(prefetcher);
        int[] order = EpochOrder(split, epoch);
        return prefetcher.Prefetch(BatchesPerEpoch(split), b => Assemble(split, epoch, b, order), Prefetch, Workers, cancellation);
    }

    public int BatchesPerEpoch(BatchSplit split) =>
        split == BatchSplit.Training ? TrainingBatchesPerEpoch : ValidationBatchesPerEpoch;

    /// <summary>
    /// Random stream of one batch's augmentation. Bit 62 keeps it apart from the split (0) and
    /// shuffle (1 + epoch) streams; since it depends only on (seed, epoch, batch), a batch is the
    /// same whichever worker builds it and in whatever order.
    /// </summary>
    internal static long AugmentStream(int epoch, int number) => (1L << 62) | ((long)(uint)epoch << 31) | (uint)number;

    private Batch Assemble(BatchSplit split, int epoch, int number, int[] order)
    {
        int start = number * BatchSize;
        int[] indices = order.AsSpan(start, Math.Min(BatchSize, order.Length - start)).ToArray();
        int[] frameShape = FrameShape, labelShape = LabelShape;
        int dataSize = _frames[0].Data.Length, labelSize = _frames[0].Label!.Length;
        var data = new float[indices.Length * dataSize];
        var label = new float[indices.Length * labelSize];
        var positions = new IReadOnlyList<ScattererPosition>?[indices.Length];
        bool augment = split == BatchSplit.Training && !Augmenter.IsIdentity;
        var random = augment ? new SeededRandom(Seed, AugmentStream(epoch, number)) : null;
        for (int i = 0; i < indices.Length; i++)
        {
            var frame = _frames[indices[i]];
            if (random is null)
            {
                frame.Data.CopyTo(data, i * dataSize);
                frame.Label!.CopyTo(label, i * labelSize);
                positions[i] = frame.Positions;
                continue;
            }
            var draw = Augmenter.Draw(random);
            Augmenter.ApplyData(frame.Data, frameShape, data.AsSpan(i * dataSize, dataSize), draw, random);
            Augmenter.Transform(frame.Label!, labelShape, label.AsSpan(i * labelSize, labelSize), draw, frame.SizeRatio);
            positions[i] = frame.Positions is null ? null : Augmenter.TransformPositions(frame.Positions, frameShape, draw);
        }
        return new Batch(split, epoch, number, indices, data, [indices.Length, 1, .. frameShape],
            label, [indices.Length, 1, .. labelShape], positions);
    }

    private static (int[] Training, int[] Validation) Split(int count, double fraction, long seed)
    {
        int validation = (int)Math.Round(count * fraction, MidpointRounding.AwayFromZero);
        if (fraction > 0 && count >= 2) validation = Math.Clamp(validation, 1, count - 1);
        if (validation == 0) return (Enumerable.Range(0, count).ToArray(), []);
        var permutation = Enumerable.Range(0, count).ToArray();
        new SeededRandom(seed, 0).Shuffle(permutation);
        var held = permutation[..validation];
        var kept = permutation[validation..];
        Array.Sort(held);
        Array.Sort(kept);
        return (kept, held);
    }

    private static void CheckFramesAgree(IReadOnlyList<Frame> frames)
    {
        var first = frames[0];
        for (int i = 0; i < frames.Count; i++)
        {
            var f = frames[i];
            if (f.Label is null)
                throw new ArgumentException($"Frame {i} ({f}) has no label; training needs labelled frames.");
            if (!f.Shape.SequenceEqual(first.Shape) || !f.LabelShape!.SequenceEqual(first.LabelShape!))
                throw new ArgumentException(
                    $"Frame {i} ({f}) is [{string.Join("x", f.Shape)}] -> [{string.Join("x", f.LabelShape!)}] but frame 0 is " +
                    $"[{string.Join("x", first.Shape)}] -> [{string.Join("x", first.LabelShape!)}]; all frames of a generator must have one shape.");
        }
    }
}
