using System.Collections.ObjectModel;
using System.Management.Automation;
using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Frames;
using DataPipeline.PowerShell.Transforms;

namespace DataPipeline.PowerShell.Commands;

/// <summary>
/// Collects frames from the pipeline, and/or frame stores streamed from disk (-Path), into one
/// BatchGenerator: a seeded validation split and epochs that visit every training frame exactly
/// once, augmented as the config's [augment] section and the augmentation parameters say, built
/// by -Workers background tasks.
/// </summary>
[Cmdlet(VerbsCommon.New, "BatchGenerator", DefaultParameterSetName = PathSet)]
[OutputType(typeof(BatchGenerator))]
public sealed class NewBatchGeneratorCommand : DataPipelineCmdlet
{
    private readonly List<Frame> _frames = [];

    [Parameter(ValueFromPipeline = true, Position = 0)]
    public Frame[] InputObject { get; set; } = [];

    /// <summary>Frame stores (Export-FrameDataset) streamed chunk by chunk instead of held in memory; wildcards allowed.</summary>
    [Parameter(ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[] Path { get; set; } = [];

    /// <summary>Frame stores named as typed ([ ] are not wildcards).</summary>
    [Parameter(ParameterSetName = LiteralPathSet)]
    [ValidateNotNullOrEmpty]
    [Alias("PSPath", "LPath")]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>Frames (or frame store paths) used only for validation, instead of a fraction of the rest.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public object[]? ValidationInput { get; set; }

    /// <summary>Generator positions of the training frames (the rest validate unless -ValidationIndex says otherwise).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public int[]? TrainingIndex { get; set; }

    /// <summary>Generator positions of the validation frames.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public int[]? ValidationIndex { get; set; }

    /// <summary>Draw training frames with replacement ([batch] replacement).</summary>
    [Parameter]
    public SwitchParameter Replacement { get; set; }

    /// <summary>One weight per training frame; sampling becomes weighted, with replacement.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public double[]? Weight { get; set; }

    /// <summary>One weight per source (piped frames first, then each -Path): each source's share of the draws.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public double[]? SourceWeight { get; set; }

    /// <summary>
    /// One integer class per source (piped frames, each -Path, then -ValidationInput's frames and
    /// stores), carried on every batch as ClassLabels (multi_source_array's class_list).
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidateRange(0, int.MaxValue)]
    public int[]? ClassLabel { get; set; }

    /// <summary>One loss weight per class (-ClassLabel's classes 0, 1, ...): training weights each sample's loss by its class's.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public double[]? ClassWeight { get; set; }

    /// <summary>Keep only the first N frames of each source: one value for all, or one per source in -ClassLabel's order.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidateRange(1, int.MaxValue)]
    public int[]? MaxFrames { get; set; }

    /// <summary>Side of the random square patches cut from each frame, in data pixels ([batch] patch_size).</summary>
    [Parameter]
    [ValidateRange(1, 65536)]
    public int PatchSize { get; set; }

    /// <summary>Centre patches on label maxima ([batch] patch_on_label).</summary>
    [Parameter]
    public SwitchParameter PatchOnLabel { get; set; }

    /// <summary>
    /// A query on each frame's metadata ($_ is a FrameMetadata: Source, Index, Scatterers, Generator,
    /// Seed, Position); only frames for which it is true are batched. A store answers it from its
    /// metadata datasets, without reading a frame.
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public ScriptBlock? Filter { get; set; }

    /// <summary>
    /// Run on every batch by the worker that built it: param($batch, $random). It may change
    /// $batch.Data and $batch.Label in place; $random is seeded per batch, so batches stay the same.
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public ScriptBlock? Transform { get; set; }

    /// <summary>Neighbouring steps of its recording stacked on each side of every frame ([batch] sequence_window, ketos's n_extend).</summary>
    [Parameter]
    [ValidateRange(0, 64)]
    [Alias("NExtend")]
    public int SequenceWindow { get; set; }

    /// <summary>Patches may reach past the frame's edges, mirrored there ([batch] patch_mirror).</summary>
    [Parameter]
    public SwitchParameter PatchMirror { get; set; }

    /// <summary>Where patch centres may lie: a 2-D array (or array of rows) of the frames' data size, non-zero = allowed.</summary>
    [Parameter]
    [ValidateNotNull]
    public object? PatchMask { get; set; }

    /// <summary>Chunks of a store whose frames are shuffled together ([batch] shuffle_window).</summary>
    [Parameter]
    [ValidateRange(1, 4096)]
    public int ShuffleWindow { get; set; }

    [Parameter]
    [ValidateRange(1, 65536)]
    public int BatchSize { get; set; }

    /// <summary>Reshuffle training frames each epoch (the default); -Shuffle:$false keeps their order.</summary>
    [Parameter]
    public SwitchParameter Shuffle { get; set; }

    [Parameter]
    [ValidateRange(0.0, 0.99)]
    public double ValidationFraction { get; set; }

    [Parameter]
    public SwitchParameter DropLast { get; set; }

    [Parameter]
    public long Seed { get; set; }

    [Parameter]
    public string? Config { get; set; }

    /// <summary>Background tasks building batches during training; the batches do not depend on it.</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int Workers { get; set; }

    /// <summary>Batches built ahead of the training loop.</summary>
    [Parameter]
    [ValidateRange(0, 64)]
    public int Prefetch { get; set; }

    /// <summary>Noise on the data at this SNR in dB ([augment] snr_db).</summary>
    [Parameter]
    [ValidateRange(-100.0, 200.0)]
    public double SnrDb { get; set; }

    [Parameter]
    public SwitchParameter Flip { get; set; }

    /// <summary>Left-right flips only, with probability 1/2 ([augment] flip_horizontal).</summary>
    [Parameter]
    public SwitchParameter FlipHorizontal { get; set; }

    /// <summary>Up-down flips only, with probability 1/2 ([augment] flip_vertical).</summary>
    [Parameter]
    public SwitchParameter FlipVertical { get; set; }

    [Parameter]
    public SwitchParameter Rot90 { get; set; }

    /// <summary>Rotations uniform in [-RotationDeg, RotationDeg] degrees.</summary>
    [Parameter]
    [ValidateRange(0.0, 180.0)]
    public double RotationDeg { get; set; }

    /// <summary>Shifts of up to ShiftPx data pixels per axis.</summary>
    [Parameter]
    [ValidateRange(0.0, 4096.0)]
    public double ShiftPx { get; set; }

    /// <summary>Zoom factors uniform in [lo, hi] ([augment] zoom).</summary>
    [Parameter]
    [ValidateCount(2, 2)]
    public double[]? Zoom { get; set; }

    /// <summary>Shear angles uniform in [-ShearDeg, ShearDeg] ([augment] shear_deg).</summary>
    [Parameter]
    [ValidateRange(0.0, 80.0)]
    public double ShearDeg { get; set; }

    /// <summary>Standard deviation of the elastic displacement, data pixels ([augment] elastic_alpha_px).</summary>
    [Parameter]
    [ValidateRange(0.0, 1000.0)]
    public double ElasticAlphaPx { get; set; }

    /// <summary>Smoothness of the elastic displacement, data pixels ([augment] elastic_sigma_px).</summary>
    [Parameter]
    [ValidateRange(0.5, 1000.0)]
    public double ElasticSigmaPx { get; set; }

    /// <summary>What the geometric transforms show outside the frame ([augment] fill_mode).</summary>
    [Parameter]
    public FillMode FillMode { get; set; }

    /// <summary>The data value outside the frame under -FillMode Constant ([augment] fill_value).</summary>
    [Parameter]
    public double FillValue { get; set; }

    /// <summary>Probability that a scatterer is dropped from a simulated sample's data ([augment] out_of_plane).</summary>
    [Parameter]
    [ValidateRange(0.0, 1.0)]
    public double OutOfPlane { get; set; }

    /// <summary>Data multiplied by a factor uniform in [lo, hi].</summary>
    [Parameter]
    [ValidateCount(2, 2)]
    public double[]? IntensityScale { get; set; }

    /// <summary>Offsets uniform in [lo, hi] added to the data ([augment] intensity_shift).</summary>
    [Parameter]
    [ValidateCount(2, 2)]
    public double[]? IntensityShift { get; set; }

    private BatchSettings _settings = new();
    private AugmentSettings _augment = new();

    protected override void BeginProcessing()
    {
        var config = LoadConfig(Config);
        _settings = config.Batch;
        _augment = config.Augment;
        if (IsBound(nameof(BatchSize))) _settings.BatchSize = BatchSize;
        if (IsBound(nameof(Shuffle))) _settings.Shuffle = Shuffle.IsPresent;
        if (IsBound(nameof(ValidationFraction))) _settings.ValidationFraction = ValidationFraction;
        if (IsBound(nameof(DropLast))) _settings.DropLast = DropLast.IsPresent;
        if (IsBound(nameof(Seed))) _settings.Seed = Seed;
        if (IsBound(nameof(Workers))) _settings.Workers = Workers;
        if (IsBound(nameof(Prefetch))) _settings.Prefetch = Prefetch;
        if (IsBound(nameof(ShuffleWindow))) _settings.ShuffleWindow = ShuffleWindow;
        if (IsBound(nameof(Replacement))) _settings.Replacement = Replacement.IsPresent;
        if (IsBound(nameof(PatchSize))) _settings.PatchSize = PatchSize;
        if (IsBound(nameof(PatchOnLabel))) _settings.PatchOnLabel = PatchOnLabel.IsPresent;
        if (IsBound(nameof(SequenceWindow))) _settings.SequenceWindow = SequenceWindow;
        if (IsBound(nameof(PatchMirror))) _settings.PatchMirror = PatchMirror.IsPresent;
        if (ValidationInput is not null && (IsBound(nameof(ValidationFraction)) || TrainingIndex is not null || ValidationIndex is not null))
            ThrowTerminatingError(new ErrorRecord(
                new ArgumentException("-ValidationInput is the validation set; leave out -ValidationFraction, -TrainingIndex and -ValidationIndex."),
                "ConflictingSplits", ErrorCategory.InvalidArgument, ValidationInput));
        if (IsBound(nameof(ValidationFraction)) && (TrainingIndex is not null || ValidationIndex is not null))
            ThrowTerminatingError(new ErrorRecord(
                new ArgumentException("-TrainingIndex/-ValidationIndex fix the split; leave out -ValidationFraction."),
                "ConflictingSplits", ErrorCategory.InvalidArgument, ValidationFraction));
        if (IsBound(nameof(SnrDb))) _augment.SnrDb = SnrDb;
        if (IsBound(nameof(Flip))) _augment.Flip = Flip.IsPresent;
        if (IsBound(nameof(Rot90))) _augment.Rot90 = Rot90.IsPresent;
        if (IsBound(nameof(RotationDeg))) _augment.RotationDeg = RotationDeg;
        if (IsBound(nameof(ShiftPx))) _augment.ShiftPx = ShiftPx;
        if (IsBound(nameof(OutOfPlane))) _augment.OutOfPlane = OutOfPlane;
        if (IsBound(nameof(IntensityScale))) _augment.IntensityScale = new DoubleRange(IntensityScale![0], IntensityScale[1]);
        if (IsBound(nameof(FlipHorizontal))) _augment.FlipHorizontal = FlipHorizontal.IsPresent;
        if (IsBound(nameof(FlipVertical))) _augment.FlipVertical = FlipVertical.IsPresent;
        if (IsBound(nameof(Zoom))) _augment.Zoom = new DoubleRange(Zoom![0], Zoom[1]);
        if (IsBound(nameof(ShearDeg))) _augment.ShearDeg = ShearDeg;
        if (IsBound(nameof(ElasticAlphaPx))) _augment.ElasticAlphaPx = ElasticAlphaPx;
        if (IsBound(nameof(ElasticSigmaPx))) _augment.ElasticSigmaPx = ElasticSigmaPx;
        if (IsBound(nameof(FillMode))) _augment.FillMode = FillMode;
        if (IsBound(nameof(FillValue))) _augment.FillValue = FillValue;
        if (IsBound(nameof(IntensityShift))) _augment.IntensityShift = new DoubleRange(IntensityShift![0], IntensityShift[1]);
    }

    protected override void ProcessRecord()
    {
        // $null | New-BatchGenerator binds null (the parameter is optional, for -Path alone).
        if (InputObject is null || InputObject.Any(f => f is null))
        {
            WriteError(new ErrorRecord(
                new ArgumentNullException(nameof(InputObject), "A null came down the pipeline where a frame was expected; check the command that produced the frames."),
                "NullFrame", ErrorCategory.InvalidArgument, null));
            if (InputObject is null) return;
        }
        _frames.AddRange(InputObject.Where(f => f is not null));
    }

    protected override void EndProcessing()
    {
        // A store that is missing stops here: a generator silently short of a source would train on less.
        var stores = ResolveInputPaths(IsLiteral ? LiteralPath : Path, IsLiteral, terminating: true, notFoundId: "FrameStoreNotFound").ToList();
        if (_frames.Count == 0 && stores.Count == 0)
            ThrowTerminatingError(new ErrorRecord(
                new ArgumentException("No frames: pipe frames in (Import-MatDataset, New-SyntheticFrame, Import-FrameDataset) or name frame stores with -Path."),
                "NoFrames", ErrorCategory.InvalidArgument, null));
        var sources = new List<IFrameSource>();
        string? opening = null;
        ScriptBlockBatchTransform? transform = null;
        int given = 0; // sources as the user gave them (-MaxFrames counts these), kept or not by -Filter
        try
        {
            if (_frames.Count > 0) Add(new FrameList(_frames), "the piped frames");
            void OpenStores(IEnumerable<string> paths)
            {
                foreach (string path in paths)
                {
                    opening = ResolvePath(path);
                    Add(StreamedFrameStore.Open(opening, BatchGenerator.CacheBlocksFor(_settings)), opening);
                }
            }
            void Add(IFrameSource source, string name)
            {
                int k = given++;
                IFrameSource? kept = null;
                try
                {
                    kept = Query(source, name);
                }
                finally
                {
                    if (kept is null) (source as IDisposable)?.Dispose();
                }
                if (kept is not null) sources.Add(Limit(kept, k));
            }
            OpenStores(stores);
            if (sources.Count == 0)
                ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException($"-Filter {{{Filter}}} kept no frame of any source; loosen it, or check the metadata with Import-FrameDataset."),
                    "FilterKeptNothing", ErrorCategory.ObjectNotFound, Filter));
            int trainingSources = sources.Count, trainingFrames = sources.Sum(p => p.Count);
            if (ValidationInput is not null)
            {
                var held = ValidationInput.Select(o => o is PSObject ps ? ps.BaseObject : o).ToList();
                var bad = held.FirstOrDefault(o => o is not (Frame or string));
                if (bad is not null)
                    throw new ArgumentException($"-ValidationInput takes frames or frame store paths, not {bad.GetType().Name} ('{bad}').");
                var heldFrames = held.OfType<Frame>().ToList();
                if (heldFrames.Count > 0) Add(new FrameList(heldFrames, "validation"), "the -ValidationInput frames");
                OpenStores(held.OfType<string>());
            }
            if (MaxFrames is not null && MaxFrames.Length != 1 && MaxFrames.Length != given)
                throw new ArgumentException($"-MaxFrames has {MaxFrames.Length} values for {given} sources; give one for all, or one per source (piped frames, each -Path, then -ValidationInput's).");
            var source = sources.Count == 1 ? sources[0] : new CombinedFrameSource(sources);
            var sampling = Sampling(sources, trainingSources, trainingFrames, source.Count);
            if (Transform is not null) transform = new ScriptBlockBatchTransform(Transform, _settings.Workers);
            WriteObject(new BatchGenerator(source, _settings, _augment, sampling, transform));
        }
        catch (Exception e) when (e is ArgumentException or FileNotFoundException or FrameStoreException or Engine.Runtime.MemoryLimitExceededException)
        {
            foreach (var opened in sources) (opened as IDisposable)?.Dispose();
            transform?.Dispose();
            ThrowTerminatingError(e switch
            {
                Engine.Runtime.MemoryLimitExceededException limit => new ErrorRecord(e, "MemoryLimitExceeded", ErrorCategory.LimitsExceeded, limit.Key),
                FileNotFoundException => new ErrorRecord(e, "FrameStoreNotFound", ErrorCategory.ObjectNotFound, opening),
                FrameStoreException => new ErrorRecord(e, "FrameStoreUnreadable", ErrorCategory.InvalidData, opening),
                _ => new ErrorRecord(e, "InvalidFrames", ErrorCategory.InvalidData, _frames.Count > 0 ? _frames.Count : stores),
            });
        }
    }

    /// <summary>Source <paramref name="k"/> cut to its -MaxFrames, when it has one.</summary>
    private IFrameSource Limit(IFrameSource source, int k)
    {
        if (MaxFrames is null) return source;
        int? limit = MaxFrames.Length == 1 ? MaxFrames[0] : k < MaxFrames.Length ? MaxFrames[k] : null;
        return limit is int n && n < source.Count ? new FirstFramesSource(source, n) : source;
    }

    /// <summary>
    /// <paramref name="source"/>, or the frames of it that -Filter keeps, judged on their metadata
    /// alone (a store's is read without a frame); null when it keeps none. A source emptied by the
    /// filter is left out with a warning, unless -SourceWeight counts on it.
    /// </summary>
    private IFrameSource? Query(IFrameSource source, string name)
    {
        if (Filter is null) return source;
        var kept = new List<int>();
        foreach (var metadata in FrameMetadata.Of(source))
        {
            Collection<PSObject> answer;
            try
            {
                answer = Filter.InvokeWithContext(null, [new PSVariable("_", metadata)]);
            }
            catch (RuntimeException e)
            {
                ThrowTerminatingError(new ErrorRecord(e.ErrorRecord?.Exception ?? e, "FilterFailed", ErrorCategory.InvalidOperation, metadata)
                {
                    ErrorDetails = new ErrorDetails($"-Filter failed on frame {metadata.Index} of {metadata.Source} ({name}): {e.Message}"),
                });
                throw; // not reached
            }
            if (LanguagePrimitives.IsTrue(answer.Count == 1 ? answer[0] : answer)) kept.Add(metadata.Position);
        }
        WriteVerbose($"-Filter kept {kept.Count} of {source.Count} frames of {name}, judged on their metadata alone.");
        if (kept.Count == source.Count) return source;
        if (kept.Count > 0) return new FrameSubset(source, kept);
        if (SourceWeight is not null)
            ThrowTerminatingError(new ErrorRecord(
                new ArgumentException($"-Filter kept no frame of {name}, which -SourceWeight gives a weight; loosen the filter or leave that source out."),
                "FilterEmptiedSource", ErrorCategory.InvalidArgument, name));
        WriteWarning($"-Filter kept no frame of {name}; it is left out.");
        return null;
    }

    /// <summary>
    /// The split and weights the parameters ask for: -ValidationInput's frames come after the
    /// training sources'; -SourceWeight spreads each source's weight over its frames (times -Weight).
    /// </summary>
    private BatchSampling? Sampling(List<IFrameSource> sources, int trainingSources, int trainingFrames, int total)
    {
        if (Weight is not null && Weight.Length != trainingFrames)
            throw new ArgumentException($"-Weight has {Weight.Length} values for {trainingFrames} training frames; give one per frame, in generator order.");
        if (SourceWeight is not null && SourceWeight.Length != trainingSources)
            throw new ArgumentException($"-SourceWeight has {SourceWeight.Length} values for {trainingSources} sources (piped frames first, then each -Path); give one per source.");
        double[]? weights = null;
        if (Weight is not null || SourceWeight is not null)
        {
            weights = new double[total];
            for (int s = 0, start = 0; s < trainingSources; start += sources[s].Count, s++)
            {
                var own = weights.AsSpan(start, sources[s].Count);
                for (int i = 0; i < own.Length; i++) own[i] = Weight?[start + i] ?? 1;
                if (SourceWeight is null) continue;
                double sum = 0;
                foreach (double w in own) sum += w;
                for (int i = 0; i < own.Length; i++) own[i] = sum > 0 ? own[i] / sum * SourceWeight[s] : 0;
            }
        }
        int[]? classes = null;
        if (ClassLabel is not null)
        {
            if (ClassLabel.Length != sources.Count)
                throw new ArgumentException($"-ClassLabel has {ClassLabel.Length} values for {sources.Count} sources; give one class per source (piped frames first, then each -Path, then -ValidationInput's frames and stores).");
            classes = sources.SelectMany((s, k) => Enumerable.Repeat(ClassLabel[k], s.Count)).ToArray();
        }
        bool[]? mask = null;
        if (PatchMask is not null)
        {
            var (values, h, w) = PatchMaskArgument.Convert(PatchMask);
            var shape = sources[0].FrameShape;
            if (h != shape[^2] || w != shape[^1])
                throw new ArgumentException($"-PatchMask is {h}x{w}, but the frames are {shape[^2]}x{shape[^1]}; give one value per data pixel.");
            mask = values;
        }
        if (ValidationInput is not null)
            return new BatchSampling(Enumerable.Range(0, trainingFrames).ToArray(), Enumerable.Range(trainingFrames, total - trainingFrames).ToArray(), weights, mask, classes, ClassWeight);
        if (TrainingIndex is null && ValidationIndex is null && weights is null && mask is null && classes is null && ClassWeight is null) return null;
        return new BatchSampling(TrainingIndex, ValidationIndex, weights, mask, classes, ClassWeight);
    }
}
