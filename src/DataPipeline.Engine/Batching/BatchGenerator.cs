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
/// The frames come from an <see cref="IFrameSource"/>: a list in memory, or a frame store streamed
/// chunk by chunk with bounded memory. Over a store, an epoch shuffles the order of the chunks and
/// then the frames within each window of <see cref="ShuffleWindow"/> chunks, so a worker never
/// reads far outside the few chunks it has cached.
///
/// Deliberately not IEnumerable: PowerShell unrolls enumerables piped from a variable, and a
/// generator must travel down the pipeline as one object.
/// </summary>
public sealed class BatchGenerator : IDisposable
{
    private readonly IFrameSource _source;
    private readonly EpochSampler _sampler;
    private readonly BatchAssembler _assembler;
    private readonly PatchCutter? _patches;
    private readonly int[]? _classes; // each frame's class, when the sources have classes

    public BatchGenerator(IReadOnlyList<Frame> frames, BatchSettings settings, AugmentSettings? augment = null, BatchSampling? sampling = null,
        IBatchTransform? transform = null)
        : this(new FrameList(frames), settings, augment, sampling, transform)
    {
    }

    /// <param name="sampling">Explicit splits and per-frame weights; null = split by ValidationFraction, uniform weights.</param>
    /// <param name="transform">Applied to every batch (both splits) after it is built, on the worker that built it; disposed with the generator.</param>
    public BatchGenerator(IFrameSource source, BatchSettings settings, AugmentSettings? augment = null, BatchSampling? sampling = null,
        IBatchTransform? transform = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(settings);
        if (source.Count == 0)
            throw new ArgumentException("A batch generator needs at least one frame.", nameof(source));
        if (settings.BatchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(settings), $"BatchSize must be at least 1; got {settings.BatchSize}.");
        if (settings.ValidationFraction is < 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(settings), $"ValidationFraction must be in [0, 1); got {settings.ValidationFraction}.");
        if (settings.ShuffleWindow < 1)
            throw new ArgumentOutOfRangeException(nameof(settings), $"ShuffleWindow must be at least 1 chunk; got {settings.ShuffleWindow}.");

        if (settings.SequenceWindow < 0)
            throw new ArgumentOutOfRangeException(nameof(settings), $"SequenceWindow must not be negative; got {settings.SequenceWindow}.");
        SequenceWindow = settings.SequenceWindow;
        if (SequenceWindow > 0 && augment?.OutOfPlane > 0)
            throw new ArgumentException("out_of_plane re-renders one simulated frame, not a window of them; leave out sequence_window or out_of_plane.", nameof(augment));
        _source = SequenceWindow > 0 ? Windowed(source, SequenceWindow) : source;
        source = _source;
        Transform = transform;
        PatchSize = settings.PatchSize;
        PatchOnLabel = settings.PatchOnLabel;
        if ((PatchOnLabel || settings.PatchMirror || sampling?.PatchMask is not null) && PatchSize == 0)
            throw new ArgumentException("patch_on_label, patch_mirror and a patch mask place patches, so they need a patch_size.", nameof(settings));
        _patches = PatchSize == 0 ? null
            : new PatchCutter(source.FrameShape, source.LabelShape[^1] / source.FrameShape[^1], PatchSize, PatchOnLabel, settings.PatchMirror, sampling?.PatchMask);
        BatchSize = settings.BatchSize;
        Shuffle = settings.Shuffle;
        DropLast = settings.DropLast;
        ValidationFraction = settings.ValidationFraction;
        ShuffleWindow = settings.ShuffleWindow;
        Seed = settings.Seed;
        Workers = settings.Workers >= 1 ? settings.Workers
            : throw new ArgumentOutOfRangeException(nameof(settings), $"Workers must be at least 1; got {settings.Workers}.");
        Prefetch = settings.Prefetch >= 0 ? settings.Prefetch
            : throw new ArgumentOutOfRangeException(nameof(settings), $"Prefetch must not be negative; got {settings.Prefetch}.");
        Augmenter = new Augmenter(augment ?? new AugmentSettings());
        if (Augmenter.Settings.Rot90 && FrameShape[^1] != FrameShape[^2])
            throw new ArgumentException($"rot90 needs square frames; these are {FrameShape[^2]}x{FrameShape[^1]}.", nameof(augment));
        _sampler = new EpochSampler(source, settings, sampling);
        if (sampling?.ClassLabels is int[] classes)
        {
            if (classes.Length != source.Count)
                throw new ArgumentException($"{classes.Length} class labels for {source.Count} frames; give one class per frame.", nameof(sampling));
            if (classes.Any(c => c < 0))
                throw new ArgumentException($"Class labels are integers from 0; got {classes.First(c => c < 0)}.", nameof(sampling));
            _classes = classes;
        }
        if (sampling?.ClassWeights is double[] classWeights)
        {
            if (_classes is null)
                throw new ArgumentException("Class weights weight each sample's loss by its class, so they need class labels.", nameof(sampling));
            if (classWeights.Length < ClassCount)
                throw new ArgumentException($"{classWeights.Length} class weights for {ClassCount} classes (0 to {ClassCount - 1}); give one weight per class.", nameof(sampling));
            if (classWeights.Any(w => !double.IsFinite(w) || w < 0))
                throw new ArgumentException("Class weights must be finite and not negative.", nameof(sampling));
            ClassWeights = classWeights;
        }
        if (DropLast && TrainingCount < BatchSize)
            throw new ArgumentException(
                $"With DropLast, {TrainingCount} training frames make no batch of {BatchSize}; lower BatchSize or ValidationFraction, or add frames.");
        _assembler = new BatchAssembler(source, FrameShape, LabelShape, BatchSize, Prefetch, Workers, Augmenter, _patches, _classes, Seed);
    }

    /// <summary>
    /// Chunk blocks a store source should cache for these settings: the window being visited, the
    /// next one (workers straddle the boundary) and one per worker, so no chunk is read twice in an epoch.
    /// </summary>
    public static int CacheBlocksFor(BatchSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return 2 * Math.Max(settings.ShuffleWindow, 1) + Math.Max(settings.Workers, 1);
    }

    /// <summary>
    /// The settings this generator actually batches with, as a [batch] section: what the run's log
    /// and checkpoints record, whatever the configuration file said (New-BatchGenerator -BatchSize 8).
    /// </summary>
    public BatchSettings Settings => new()
    {
        BatchSize = BatchSize, Shuffle = Shuffle, ValidationFraction = ValidationFraction, Replacement = Replacement,
        PatchSize = PatchSize, PatchOnLabel = PatchOnLabel, PatchMirror = PatchMirror, DropLast = DropLast, Prefetch = Prefetch, Workers = Workers,
        ShuffleWindow = ShuffleWindow, SequenceWindow = SequenceWindow, Seed = Seed,
    };

    /// <summary>
    /// Each part of a combined source windowed on its own (two stores may both number their frames
    /// from 0 under one source name), and a subset's frames windowed over the frames it was cut from,
    /// so a kept sample's neighbours are its recording's, not the next kept frame.
    /// </summary>
    private static IFrameSource Windowed(IFrameSource source, int window) => source switch
    {
        CombinedFrameSource combined => new CombinedFrameSource(combined.Parts.Select(p => Windowed(p, window)).ToArray()),
        FrameSubset subset => new FrameSubset(Windowed(subset.Inner, window), subset.Positions),
        _ => new SequenceWindowSource(source, window),
    };

    /// <summary>Neighbouring steps stacked on each side of every sample ([batch] sequence_window, ketos's n_extend); 0 = frames as they are.</summary>
    public int SequenceWindow { get; }

    /// <summary>The user's per-batch step (New-BatchGenerator -Transform); null = none.</summary>
    public IBatchTransform? Transform { get; }

    /// <summary>Batches transformed so far and the transform's cost per batch.</summary>
    public BatchTransformStatistics TransformStatistics { get; } = new();

    /// <summary>How each epoch's training frames are drawn, in words, for the run's log.</summary>
    public string SamplingDescription =>
        (Weighted ? "weighted draws with replacement" : Replacement ? "uniform draws with replacement" : Shuffle ? "every frame once, shuffled" : "every frame once, in order") +
        $"; {TrainingCount} training and {ValidationCount} validation frames, {TrainingBatchesPerEpoch} training batches per epoch";

    public int BatchSize { get; }
    public bool Shuffle { get; }
    public bool DropLast { get; }
    public double ValidationFraction { get; }
    public long Seed { get; }

    /// <summary>
    /// Each epoch draws TrainingCount frames with replacement (weighted, when weights were given)
    /// instead of visiting every training frame once.
    /// </summary>
    public bool Replacement => _sampler.Replacement;

    /// <summary>True when frames carry sampling weights (sampling is then with replacement).</summary>
    public bool Weighted => _sampler.Weighted;

    /// <summary>Chunks whose frames are shuffled together, when the source is read in chunks.</summary>
    public int ShuffleWindow { get; }

    /// <summary>Where the frames come from.</summary>
    public IFrameSource Source => _source;

    /// <summary>Background tasks that build batches in <see cref="Stream"/>.</summary>
    public int Workers { get; }

    /// <summary>Batches built ahead of the consumer in <see cref="Stream"/>.</summary>
    public int Prefetch { get; }

    /// <summary>Applied to training batches only: validation scores the frames as they are.</summary>
    public Augmenter Augmenter { get; }

    public int FrameCount => _source.Count;

    /// <summary>How many classes the frames' labels span (the largest class + 1); 0 when there are none.</summary>
    public int ClassCount => _classes is null ? 0 : _classes.Max() + 1;

    /// <summary>Each class's weight on the training loss (indexed by class); null = every sample counts the same.</summary>
    public double[]? ClassWeights { get; }

    /// <summary>The class of the frame at generator position <paramref name="index"/>; null when there are none.</summary>
    public int? ClassOf(int index) => _classes?[index];
    public int TrainingCount => _sampler.TrainingCount;
    public int ValidationCount => _sampler.ValidationCount;

    /// <summary>Shape of one frame's data: [H, W] or [T, H, W].</summary>
    /// <summary>Shape of one sample's data as the model sees it: the frame's, or the patch's when patching.</summary>
    public int[] FrameShape => PatchSize == 0 ? _source.FrameShape : [.. _source.FrameShape[..^2], PatchSize, PatchSize];

    /// <summary>Data channels of every sample (2 for IQ frames): batches are [N, Channels, ..FrameShape].</summary>
    public int Channels => _source.Channels;

    /// <summary>Shape of one sample's label: the frame's, or the patch's at the label's resolution.</summary>
    public int[] LabelShape => PatchSize == 0 ? _source.LabelShape : [.. _source.LabelShape[..^2], PatchSize * Ratio, PatchSize * Ratio];

    /// <summary>Side of the square patches cut from every frame, in data pixels; 0 = whole frames.</summary>
    public int PatchSize { get; }

    /// <summary>Patches are centred on a label maximum (a scatterer) rather than placed anywhere.</summary>
    public bool PatchOnLabel { get; }

    /// <summary>Patches may reach past the frame's edges, the frame mirrored there.</summary>
    public bool PatchMirror => _patches?.Mirror ?? false;

    /// <summary>A mask restricts where patches are centred.</summary>
    public bool PatchMasked => _patches?.Masked ?? false;

    private int Ratio => _source.LabelShape[^1] / _source.FrameShape[^1];

    public int TrainingBatchesPerEpoch => BatchCount(TrainingCount, DropLast);

    /// <summary>Validation never drops frames: every held-out frame is scored.</summary>
    public int ValidationBatchesPerEpoch => BatchCount(ValidationCount, dropLast: false);

    /// <summary>The frame at generator position <paramref name="index"/> (as in <see cref="Batch.Indices"/>).</summary>
    public Frame ReadFrame(int index) => _source.Read(index);

    private int BatchCount(int frames, bool dropLast) =>
        dropLast ? frames / BatchSize : (frames + BatchSize - 1) / BatchSize;

    /// <summary>Frame positions of a split in the order epoch <paramref name="epoch"/> visits them.</summary>
    public int[] EpochOrder(BatchSplit split, int epoch) => _sampler.EpochOrder(split, epoch);

    /// <summary>The batches of one epoch of a split, built lazily one at a time on the caller's thread.</summary>
    public IEnumerable<Batch> GetBatches(BatchSplit split = BatchSplit.Training, int epoch = 0)
    {
        int[] order = EpochOrder(split, epoch);
        int count = BatchesPerEpoch(split);
        for (int b = 0; b < count; b++)
            yield return Finish(_assembler.Assemble(split, epoch, b, order));
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
        return prefetcher.Prefetch(BatchesPerEpoch(split), b => Finish(_assembler.Assemble(split, epoch, b, order)), Prefetch, Workers, cancellation);
    }

    public int BatchesPerEpoch(BatchSplit split) =>
        split == BatchSplit.Training ? TrainingBatchesPerEpoch : ValidationBatchesPerEpoch;

    private const long TransformSeed = 0x5452414E53L; // "TRANS"

    /// <summary>
    /// The batch after the user's transform, timed. Its random stream depends only on (seed, split,
    /// epoch, batch), like augmentation's, so the result does not depend on the worker. A failure
    /// names the batch.
    /// </summary>
    private Batch Finish(Batch batch)
    {
        if (Transform is null) return batch;
        long stream = BatchAssembler.AugmentStream(batch.Epoch - 1, batch.Number) ^ (batch.Split == BatchSplit.Validation ? 1L << 61 : 0);
        var random = new Random(new SeededRandom(Seed ^ TransformSeed, stream).NextInt(0, int.MaxValue - 1));
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            Transform.Apply(batch, random);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new BatchTransformException(batch, e);
        }
        TransformStatistics.Add(System.Diagnostics.Stopwatch.GetTimestamp() - start);
        return batch;
    }

    /// <summary>
    /// Hands <paramref name="batch"/>'s arrays back for the next batches to fill, once the caller
    /// has copied them (into tensors); the batch must not be read afterwards. Batches that are never
    /// recycled (Get-Batch's) simply stay the caller's.
    /// </summary>
    public void Recycle(Batch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        batch.Recycle();
    }

    public void Dispose()
    {
        (_source as IDisposable)?.Dispose();
        (Transform as IDisposable)?.Dispose();
    }
}
