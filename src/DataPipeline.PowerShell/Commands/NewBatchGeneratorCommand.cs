using System.Management.Automation;
using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Frames;

namespace DataPipeline.PowerShell.Commands;

/// <summary>
/// Collects frames from the pipeline, and/or frame stores streamed from disk (-Path), into one
/// BatchGenerator: a seeded validation split and epochs that visit every training frame exactly
/// once, augmented as the config's [augment] section and the augmentation parameters say, built
/// by -Workers background tasks.
/// </summary>
[Cmdlet(VerbsCommon.New, "BatchGenerator")]
[OutputType(typeof(BatchGenerator))]
public sealed class NewBatchGeneratorCommand : DataPipelineCmdlet
{
    private readonly List<Frame> _frames = [];

    [Parameter(ValueFromPipeline = true, Position = 0)]
    public Frame[] InputObject { get; set; } = [];

    /// <summary>Frame stores (Export-FrameDataset) streamed chunk by chunk instead of held in memory.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

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

    /// <summary>Data multiplied by a factor uniform in [lo, hi].</summary>
    [Parameter]
    [ValidateCount(2, 2)]
    public double[]? IntensityScale { get; set; }

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
        if (IsBound(nameof(SnrDb))) _augment.SnrDb = SnrDb;
        if (IsBound(nameof(Flip))) _augment.Flip = Flip.IsPresent;
        if (IsBound(nameof(Rot90))) _augment.Rot90 = Rot90.IsPresent;
        if (IsBound(nameof(RotationDeg))) _augment.RotationDeg = RotationDeg;
        if (IsBound(nameof(ShiftPx))) _augment.ShiftPx = ShiftPx;
        if (IsBound(nameof(IntensityScale))) _augment.IntensityScale = new DoubleRange(IntensityScale![0], IntensityScale[1]);
    }

    protected override void ProcessRecord() => _frames.AddRange(InputObject);

    protected override void EndProcessing()
    {
        if (_frames.Count == 0 && Path.Length == 0)
            ThrowTerminatingError(new ErrorRecord(
                new ArgumentException("No frames: pipe frames in (Import-MatDataset, New-SyntheticFrame, Import-FrameDataset) or name frame stores with -Path."),
                "NoFrames", ErrorCategory.InvalidArgument, null));
        var sources = new List<IFrameSource>();
        string? opening = null;
        try
        {
            if (_frames.Count > 0) sources.Add(new FrameList(_frames));
            foreach (string path in Path)
            {
                opening = ResolvePath(path);
                sources.Add(StreamedFrameStore.Open(opening, BatchGenerator.CacheBlocksFor(_settings)));
            }
            var source = sources.Count == 1 ? sources[0] : new CombinedFrameSource(sources);
            WriteObject(new BatchGenerator(source, _settings, _augment));
        }
        catch (Exception e) when (e is ArgumentException or FileNotFoundException or FrameStoreException)
        {
            foreach (var opened in sources) (opened as IDisposable)?.Dispose();
            ThrowTerminatingError(e switch
            {
                FileNotFoundException => new ErrorRecord(e, "FrameStoreNotFound", ErrorCategory.ObjectNotFound, opening),
                FrameStoreException => new ErrorRecord(e, "FrameStoreUnreadable", ErrorCategory.InvalidData, opening),
                _ => new ErrorRecord(e, "InvalidFrames", ErrorCategory.InvalidData, _frames.Count > 0 ? _frames.Count : Path),
            });
        }
    }
}
