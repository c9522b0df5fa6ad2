using System.Management.Automation;
using DataPipeline.Engine.Evaluation;
using DataPipeline.Engine.Frames;

namespace DataPipeline.PowerShell.Commands;

/// <summary>
/// Scores frames that carry a prediction against their true scatterer positions: detections (local
/// maxima at or above a threshold, optionally refined to sub-pixel) matched one-to-one within a
/// tolerance, with precision, recall, F1, Jaccard and RMSE over all frames and per frame, plus the
/// pixel-wise ROC. Emits one EvaluationResult after the last frame.
/// </summary>
[Cmdlet(VerbsDiagnostic.Measure, "Localization")]
[OutputType(typeof(EvaluationResult))]
public sealed class MeasureLocalizationCommand : DataPipelineCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public Frame InputObject { get; set; } = null!;

    /// <summary>Smallest prediction value a detection may have.</summary>
    [Parameter]
    [ValidateRange(0.0, 1.0)]
    public double Threshold { get; set; }

    /// <summary>Odd side of the local-maximum window, in prediction (label) pixels.</summary>
    [Parameter]
    [ValidateRange(1, 101)]
    public int WindowPx { get; set; }

    /// <summary>Largest detection-to-truth distance of a match, in data pixels.</summary>
    [Parameter]
    [ValidateRange(0.0, 1000.0)]
    public double TolerancePx { get; set; }

    [Parameter]
    public RefineMode Refine { get; set; }

    /// <summary>Positions (default) takes the frames' known positions; Label finds them in the label map.</summary>
    [Parameter]
    public TruthSource Truth { get; set; }

    [Parameter]
    public string? Config { get; set; }

    private LocalisationEvaluator _evaluator = null!;

    protected override void BeginProcessing()
    {
        var settings = LoadConfig(Config).Evaluation;
        if (IsBound(nameof(Threshold))) settings.Threshold = Threshold;
        if (IsBound(nameof(WindowPx))) settings.WindowPx = WindowPx;
        if (IsBound(nameof(TolerancePx))) settings.TolerancePx = TolerancePx;
        if (IsBound(nameof(Refine))) settings.Refine = Refine;
        try
        {
            _evaluator = new LocalisationEvaluator(settings, Truth);
        }
        catch (ArgumentException e)
        {
            ThrowArgumentError(e, "InvalidEvaluationSettings", settings);
        }
    }

    protected override void ProcessRecord()
    {
        try
        {
            _evaluator.Add(InputObject);
        }
        catch (ArgumentException e)
        {
            // One unusable frame should not cost the scores of all the others.
            WriteError(new ErrorRecord(e, "FrameNotEvaluable", ErrorCategory.InvalidData, InputObject));
        }
        catch (InvalidOperationException e)
        {
            WriteError(new ErrorRecord(e, "MatchingTooLarge", ErrorCategory.LimitsExceeded, InputObject));
        }
    }

    protected override void EndProcessing() => WriteObject(_evaluator.Result());
}
