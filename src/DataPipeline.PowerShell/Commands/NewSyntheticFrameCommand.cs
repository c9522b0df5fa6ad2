using System.Collections.Concurrent;
using System.Management.Automation;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Simulation;

namespace DataPipeline.PowerShell.Commands;

/// <summary>
/// Simulates ultrasound frames of point scatterers blurred by a Gaussian PSF, with labels at
/// SizeRatio times the resolution. Frames stream out as they are made.
/// </summary>
[Cmdlet(VerbsCommon.New, "SyntheticFrame", DefaultParameterSetName = NoiseStdSet)]
[OutputType(typeof(Frame))]
public sealed class NewSyntheticFrameCommand : DataPipelineCmdlet, IDisposable
{
    private const string NoiseStdSet = "NoiseStd", SnrSet = "Snr";
    private readonly CancellationTokenSource _stop = new();

    [Parameter(Position = 0)]
    [ValidateRange(1, int.MaxValue)]
    public int Count { get; set; }

    /// <summary>Side of a square data frame in pixels.</summary>
    [Parameter]
    [ValidateRange(4, 4096)]
    public int Size { get; set; }

    /// <summary>Time steps per frame; more than 1 gives moving sequences [T, H, W].</summary>
    [Parameter]
    [ValidateRange(1, 1024)]
    public int Frames { get; set; }

    /// <summary>Scatterers per frame as lo, hi (one number for a fixed count).</summary>
    [Parameter]
    [ValidateCount(1, 2)]
    [ValidateRange(0, 100000)]
    public int[]? Scatterers { get; set; }

    [Parameter]
    [ValidateRange(1, 16)]
    public int SizeRatio { get; set; }

    [Parameter(ParameterSetName = NoiseStdSet)]
    [ValidateRange(0.0, double.MaxValue)]
    public double NoiseStd { get; set; }

    /// <summary>Noise as a true SNR in dB against each frame's clean signal, instead of -NoiseStd.</summary>
    [Parameter(ParameterSetName = SnrSet)]
    [ValidateRange(-100.0, 200.0)]
    public double SnrDb { get; set; }

    /// <summary>Peak amplitude of each scatterer in the data as lo, hi (one number for a fixed amplitude).</summary>
    [Parameter]
    [ValidateCount(1, 2)]
    [ValidateRange(0.0, 1e6)]
    public double[]? Amplitude { get; set; }

    /// <summary>How overlapping blobs combine: Max (keeps peaks) or Sum.</summary>
    [Parameter]
    public PsfCombine Combine { get; set; }

    /// <summary>Threads that generate frames; 0 (default) uses every core. Frames are the same whatever the number.</summary>
    [Parameter]
    [ValidateRange(0, 1024)]
    public int ThrottleLimit { get; set; }

    [Parameter]
    [ValidateRange(0.05, 1000.0)]
    public double PsfSigma { get; set; }

    /// <summary>Gaussian blobs, or the ultrasound point response in IQ from the [simulation] probe keys.</summary>
    [Parameter]
    public PsfKind Psf { get; set; }

    /// <summary>With -Psf Ultrasound: Envelope, Iq (two channels) or BmodeDb.</summary>
    [Parameter]
    public SimulationOutput Output { get; set; }

    [Parameter]
    public long Seed { get; set; }

    /// <summary>Positions (a map per step) or Tracks (one image of every path per sequence).</summary>
    [Parameter]
    public LabelKind Label { get; set; }

    /// <summary>Label Tracks: sigma of the Gaussian across each path, in data pixels; 0 a sharp line.</summary>
    [Parameter]
    [ValidateRange(0.0, 1000.0)]
    public double TrackSigma { get; set; }

    /// <summary>Index of the first frame; frame i is the same whatever the start and count.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int StartIndex { get; set; }

    [Parameter]
    public string? Config { get; set; }

    /// <summary>The evaluation set: scatterer counts from eval_scatterers and a random stream of its own.</summary>
    [Parameter]
    public SwitchParameter Evaluation { get; set; }

    protected override void EndProcessing()
    {
        var settings = LoadConfig(Config).Simulation;
        if (IsBound(nameof(Count))) settings.Count = Count;
        if (IsBound(nameof(Size))) settings.Size = Size;
        if (IsBound(nameof(Frames))) settings.Frames = Frames;
        if (IsBound(nameof(Scatterers)))
        {
            // With -Evaluation, the range given is the evaluation set's.
            if (Evaluation) settings.EvalScatterers = new(Scatterers![0], Scatterers[^1]);
            else settings.Scatterers = new(Scatterers![0], Scatterers[^1]);
        }
        if (IsBound(nameof(SizeRatio))) settings.SizeRatio = SizeRatio;
        if (IsBound(nameof(NoiseStd)))
        {
            settings.NoiseStd = NoiseStd;
            settings.SnrDb = null;
        }
        if (IsBound(nameof(SnrDb))) settings.SnrDb = SnrDb;
        if (IsBound(nameof(Amplitude))) settings.Amplitude = new(Amplitude![0], Amplitude[^1]);
        if (IsBound(nameof(Combine))) settings.Combine = Combine;
        if (IsBound(nameof(PsfSigma))) settings.PsfSigmaPx = PsfSigma;
        if (IsBound(nameof(Psf))) settings.Psf = Psf;
        if (IsBound(nameof(Output))) settings.Output = Output;
        if (IsBound(nameof(Seed))) settings.Seed = Seed;
        if (IsBound(nameof(Label))) settings.Label = Label;
        if (IsBound(nameof(TrackSigma))) settings.TrackSigmaPx = TrackSigma;

        ScattererSimulator simulator;
        try
        {
            simulator = Evaluation ? ScattererSimulator.ForEvaluation(settings) : new ScattererSimulator(settings);
        }
        catch (ArgumentException e)
        {
            ThrowArgumentError(e, "InvalidSimulationSettings", settings);
            return;
        }
        catch (Engine.Runtime.MemoryLimitExceededException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, "MemoryLimitExceeded", ErrorCategory.LimitsExceeded, e.Key));
            return;
        }

        // Worker threads cannot write to the pipeline: their notices wait here for the loop below.
        var notices = new ConcurrentQueue<string>();
        simulator.Notice = notices.Enqueue;
        var progress = new ProgressRecord(1, "Simulating frames", "starting");
        int done = 0;
        try
        {
            foreach (var frame in simulator.Generate(StartIndex, settings.Count, ThrottleLimit, _stop.Token))
            {
                while (notices.TryDequeue(out string? notice)) WriteVerbose(notice);
                WriteObject(frame);
                if (++done % 64 == 0 && settings.Count > 256)
                {
                    progress.StatusDescription = $"{done} of {settings.Count}";
                    progress.PercentComplete = (int)(100L * done / settings.Count);
                    WriteProgress(progress);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // The user stopped the pipeline: end quietly, as any stopped cmdlet does.
            throw new PipelineStoppedException();
        }
        if (settings.Count > 256)
        {
            progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(progress);
        }
    }

    // Ctrl+C or a downstream Select-Object -First: stop the parallel generation of the current chunk too.
    protected override void StopProcessing() => _stop.Cancel();

    public void Dispose() => _stop.Dispose();
}
