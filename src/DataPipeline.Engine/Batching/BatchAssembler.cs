using System.Buffers;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Runtime;

namespace DataPipeline.Engine.Batching;

/// <summary>
/// Builds one batch from its frames: copies each frame (or a patch cut from it) into the batch's
/// arrays and, for training batches, augments it with a random stream that depends only on (seed,
/// epoch, batch), so a batch is the same whichever worker builds it. Full batches reuse pooled arrays.
/// </summary>
internal sealed class BatchAssembler
{
    private readonly IFrameSource _source;
    private readonly int[] _frameShape, _labelShape;
    private readonly int _batchSize, _dataSize, _labelSize;
    private readonly BatchBufferPool _pool;
    private readonly Augmenter _augmenter;
    private readonly PatchCutter? _patches;
    private readonly int[]? _classes; // each frame's class, when the sources have classes
    private readonly long _seed;

    /// <param name="frameShape">One sample's data shape as the model sees it: the frame's, or the patch's.</param>
    /// <param name="labelShape">One sample's label shape: the frame's, or the patch's at the label's resolution.</param>
    /// <param name="prefetch">Batches kept ready ahead of the consumer, which with the workers sizes the pool.</param>
    public BatchAssembler(IFrameSource source, int[] frameShape, int[] labelShape, int batchSize, int prefetch, int workers,
        Augmenter augmenter, PatchCutter? patches, int[]? classes, long seed)
    {
        (_source, _frameShape, _labelShape, _batchSize) = (source, frameShape, labelShape, batchSize);
        (_augmenter, _patches, _classes, _seed) = (augmenter, patches, classes, seed);
        _dataSize = source.Channels * Frame.ElementCount(frameShape);
        _labelSize = Frame.ElementCount(labelShape);
        // Enough buffers for every batch in flight (being built, ready, being trained on) and a spare.
        int buffers = prefetch + 2 * workers + 2;
        MemoryBudget.CheckAllocation(4.0 * buffers * batchSize * ((double)_dataSize + _labelSize),
            $"{buffers} batches in flight ({prefetch} prefetched, {workers} worker(s)) of {batchSize} frames of {string.Join("x", frameShape)}",
            "batch.batch_size", batchSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
        _pool = new BatchBufferPool(batchSize * _dataSize, batchSize * _labelSize, buffers);
    }

    /// <summary>
    /// Random stream of one batch's augmentation. Bit 62 keeps it apart from the split (0) and
    /// shuffle (1 + epoch) streams; since it depends only on (seed, epoch, batch), a batch is the
    /// same whichever worker builds it and in whatever order.
    /// </summary>
    internal static long AugmentStream(int epoch, int number) => (1L << 62) | ((long)(uint)epoch << 31) | (uint)number;

    private const long PatchSeedTraining = 0x5041544348L, PatchSeedValidation = 0x56414C4944L; // "PATCH", "VALID"

    /// <summary>Batch <paramref name="number"/> of epoch <paramref name="epoch"/> of a split visited in <paramref name="order"/>.</summary>
    public Batch Assemble(BatchSplit split, int epoch, int number, int[] order)
    {
        int start = number * _batchSize;
        int[] indices = order.AsSpan(start, Math.Min(_batchSize, order.Length - start)).ToArray();
        int[] frameShape = _frameShape, labelShape = _labelShape;
        int dataSize = _dataSize, labelSize = _labelSize;
        bool full = indices.Length == _batchSize;
        var data = full ? _pool.RentData() : new float[indices.Length * dataSize];
        var label = full ? _pool.RentLabel() : new float[indices.Length * labelSize];
        var positions = new IReadOnlyList<ScattererPosition>?[indices.Length];
        bool augment = split == BatchSplit.Training && !_augmenter.IsIdentity;
        var random = augment ? new SeededRandom(_seed, AugmentStream(epoch, number)) : null;
        float[]? scratch = augment && _augmenter.Moves ? ArrayPool<float>.Shared.Rent(dataSize + labelSize) : null;
        int wholeData = _source.Channels * Frame.ElementCount(_source.FrameShape), wholeLabel = Frame.ElementCount(_source.LabelShape);
        float[]? whole = _patches is not null ? ArrayPool<float>.Shared.Rent(wholeData + wholeLabel) : null;
        // Validation patches come from epoch 0's stream, so every epoch scores the same patches.
        var patchRandom = whole is null ? null
            : new SeededRandom(_seed ^ (split == BatchSplit.Training ? PatchSeedTraining : PatchSeedValidation),
                AugmentStream(split == BatchSplit.Training ? epoch : 0, number));
        IReadOnlyList<ScattererPosition>? Fetch(int index, Span<float> dataOut, Span<float> labelOut) =>
            whole is null ? Copy(index, dataOut, labelOut, random)
                : CutPatch(index, whole.AsSpan(0, wholeData), whole.AsSpan(wholeData, wholeLabel), dataOut, labelOut, patchRandom!, random);
        try
        {
            for (int i = 0; i < indices.Length; i++)
            {
                var dataOut = data.AsSpan(i * dataSize, dataSize);
                var labelOut = label.AsSpan(i * labelSize, labelSize);
                if (random is null)
                {
                    positions[i] = Fetch(indices[i], dataOut, labelOut);
                    continue;
                }
                var draw = _augmenter.Draw(random, frameShape);
                if (!draw.Permutes && !draw.Resamples)
                {
                    // Nothing moves: the frame goes straight into the batch and is scaled and noised
                    // there, saving a pass over its values (the copies, not the noise, set the pace).
                    var kept = Fetch(indices[i], dataOut, labelOut);
                    _augmenter.ApplyData(dataOut, frameShape, dataOut, draw, random);
                    positions[i] = kept is null ? null : Augmenter.TransformPositions(kept, frameShape, draw);
                    continue;
                }
                var rawData = scratch.AsSpan(0, dataSize);
                var rawLabel = scratch.AsSpan(dataSize, labelSize);
                var raw = Fetch(indices[i], rawData, rawLabel);
                _augmenter.ApplyData(rawData, frameShape, dataOut, draw, random);
                Augmenter.Transform(rawLabel, labelShape, labelOut, draw, labelShape[^1] / frameShape[^1]);
                positions[i] = raw is null ? null : Augmenter.TransformPositions(raw, frameShape, draw);
            }
        }
        finally
        {
            if (scratch is not null) ArrayPool<float>.Shared.Return(scratch);
            if (whole is not null) ArrayPool<float>.Shared.Return(whole);
        }
        var sources = Array.ConvertAll(indices, _source.SourceLabel);
        return new Batch(split, epoch, number, indices, data, [indices.Length, _source.Channels, .. frameShape],
            label, [indices.Length, 1, .. labelShape], positions, sources, full ? _pool : null)
        {
            ClassLabels = _classes is null ? null : Array.ConvertAll(indices, i => _classes[i]),
        };
    }

    /// <summary>
    /// Frame <paramref name="index"/> whole into the spans; when augmenting with out_of_plane, its
    /// data re-rendered without the scatterers <see cref="Augmenter.RemoveOutOfPlane"/> drops.
    /// </summary>
    private IReadOnlyList<ScattererPosition>? Copy(int index, Span<float> data, Span<float> label, SeededRandom? augment)
    {
        var positions = _source.CopyTo(index, data, label);
        if (augment is null || _augmenter.Settings.OutOfPlane == 0 || positions is null) return positions;
        if (_augmenter.RemoveOutOfPlane(_source.Read(index), augment) is not var (rendered, kept)) return positions;
        rendered.CopyTo(data);
        return kept;
    }

    /// <summary>
    /// Reads frame <paramref name="index"/> whole into the scratch spans and cuts one patch of data
    /// and label from it where the <see cref="PatchCutter"/> places it.
    /// </summary>
    private IReadOnlyList<ScattererPosition>? CutPatch(int index, Span<float> data, Span<float> label,
        Span<float> dataOut, Span<float> labelOut, SeededRandom random, SeededRandom? augment)
    {
        var positions = Copy(index, data, label, augment);
        var (top, left) = _patches!.Place(label, random);
        return _patches.Cut(data, label, positions, top, left, dataOut, labelOut);
    }
}
