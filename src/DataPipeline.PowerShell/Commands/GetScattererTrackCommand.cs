using System.Management.Automation;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Evaluation;
using DataPipeline.Engine.Tracking;

namespace DataPipeline.PowerShell.Commands;

/// <summary>
/// Links per-step localisations into tracks: from frames' predictions or true positions, or from
/// Measure-Localization's detections. Each [T, H, W] frame is one sequence (with -Consecutive,
/// consecutive 2-D frames of one source are the steps of one sequence). Emits Track objects, or
/// with -Score one TrackingResult: the linking measures against the frames' true tracks.
/// </summary>
[Cmdlet(VerbsCommon.Get, "ScattererTrack", DefaultParameterSetName = FrameSet)]
[OutputType(typeof(Track), typeof(TrackingResult))]
public sealed class GetScattererTrackCommand : DataPipelineCmdlet
{
    private const string FrameSet = "Frame", EvaluationSet = "Evaluation";

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = FrameSet)]
    public Engine.Frames.Frame InputObject { get; set; } = null!;

    /// <summary>Measure-Localization's result: its detections, per frame and step, are linked.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = EvaluationSet)]
    public EvaluationResult Evaluation { get; set; } = null!;

    /// <summary>Prediction (default) tracks the peaks of the frames' predictions; Positions their known positions.</summary>
    [Parameter(ParameterSetName = FrameSet)]
    public LocalisationOrigin From { get; set; } = LocalisationOrigin.Prediction;

    [Parameter]
    [ValidateRange(0.001, 10000.0)]
    public double MaxLinkingDistancePx { get; set; } = new TrackingSettings().MaxLinkingDistancePx;

    [Parameter]
    [ValidateRange(0, 100000)]
    public int MaxGapSteps { get; set; } = new TrackingSettings().MaxGapSteps;

    [Parameter]
    [ValidateRange(1, 1000000)]
    public int MinLength { get; set; } = new TrackingSettings().MinLength;

    /// <summary>Detection threshold on the prediction (-From Prediction); default: -Config's [evaluation] threshold.</summary>
    [Parameter(ParameterSetName = FrameSet)]
    [ValidateRange(0.0, 1.0)]
    public double Threshold { get; set; }

    [Parameter(ParameterSetName = FrameSet)]
    [ValidateRange(1, 101)]
    public int WindowPx { get; set; }

    [Parameter(ParameterSetName = FrameSet)]
    public RefineMode Refine { get; set; }

    [Parameter(ParameterSetName = FrameSet)]
    public string? Config { get; set; }

    /// <summary>Consecutive 2-D frames of one source are the time steps of one sequence (an acquisition imported frame by frame).</summary>
    [Parameter(ParameterSetName = FrameSet)]
    public SwitchParameter Consecutive { get; set; }

    /// <summary>Emit one TrackingResult against the frames' true tracks instead of the tracks.</summary>
    [Parameter(ParameterSetName = FrameSet)]
    public SwitchParameter Score { get; set; }

    /// <summary>Largest distance at which a tracked point stands for a true one when scoring; default: -Config's tolerance_px.</summary>
    [Parameter(ParameterSetName = FrameSet)]
    [ValidateRange(0.001, 1000.0)]
    public double TolerancePx { get; set; }

    private TrackingSettings _tracking = null!;
    private EvaluationSettings _detection = null!;
    private LinkingEvaluator? _linking;
    private ConsecutiveSequence? _sequence;

    protected override void BeginProcessing()
    {
        _tracking = new TrackingSettings { MaxLinkingDistancePx = MaxLinkingDistancePx, MaxGapSteps = MaxGapSteps, MinLength = MinLength };
        _detection = LoadConfig(Config).Evaluation;
        if (IsBound(nameof(Threshold))) _detection.Threshold = Threshold;
        if (IsBound(nameof(WindowPx))) _detection.WindowPx = WindowPx;
        if (IsBound(nameof(Refine))) _detection.Refine = Refine;
        if (_detection.WindowPx % 2 == 0)
            ThrowArgumentError(new ArgumentException($"-WindowPx must be odd, so the window has a centre; got {_detection.WindowPx}."), "InvalidWindow", _detection.WindowPx);
        if (Score)
        {
            if (Consecutive)
                ThrowArgumentError(new ArgumentException("-Score compares each frame's tracks with its true tracks; it cannot score sequences made of consecutive 2-D frames."), "ScoreNeedsSequences", null);
            _linking = new LinkingEvaluator(IsBound(nameof(TolerancePx)) ? TolerancePx : _detection.TolerancePx);
        }
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == EvaluationSet)
        {
            foreach (var frame in Evaluation.Frames)
            {
                var steps = new List<IReadOnlyList<PointPx>>();
                foreach (var step in frame.Steps)
                {
                    while (steps.Count < step.TimeStep) steps.Add([]);
                    steps.Add(step.Detections.Select(d => d.Position).ToList());
                }
                WriteObject(SequenceLocalisations.Link(steps, _tracking, frame.Source, frame.Index), enumerateCollection: true);
            }
            return;
        }
        try
        {
            var steps = SequenceLocalisations.Of(InputObject, From, _detection);
            if (Consecutive && InputObject.TimeSteps == 1)
            {
                if (_sequence is not null && _sequence.Source != InputObject.Source) Flush();
                _sequence ??= new ConsecutiveSequence(InputObject, _tracking);
                _sequence.Add(steps[0]);
                return;
            }
            var tracks = SequenceLocalisations.Link(steps, _tracking, InputObject.Source, InputObject.Index, InputObject.Height, InputObject.Width);
            if (_linking is null)
                WriteObject(tracks, enumerateCollection: true);
            else
                _linking.Add(InputObject.Source, InputObject.Index, SequenceLocalisations.TrueTracks(InputObject), tracks);
        }
        catch (ArgumentException e)
        {
            // One frame without what was asked for should not cost the tracks of all the others.
            WriteError(new ErrorRecord(e, "FrameNotTrackable", ErrorCategory.InvalidData, InputObject));
        }
    }

    protected override void EndProcessing()
    {
        Flush();
        if (_linking is not null) WriteObject(_linking.Result());
    }

    private void Flush()
    {
        if (_sequence is null) return;
        WriteObject(_sequence.Tracks(), enumerateCollection: true);
        _sequence = null;
    }

    /// <summary>2-D frames of one source linked as the steps of one sequence; tracks carry the first frame's index.</summary>
    private sealed class ConsecutiveSequence(Engine.Frames.Frame first, TrackingSettings settings)
    {
        private readonly TrackLinker _linker = new(settings);
        private int _step;

        public string Source { get; } = first.Source;

        public void Add(IReadOnlyList<PointPx> points) => _linker.AddStep(_step++, points);

        public List<Track> Tracks() => _linker.Tracks(Source, first.Index, first.Height, first.Width);
    }
}
