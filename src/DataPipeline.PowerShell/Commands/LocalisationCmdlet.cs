using System.Management.Automation;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Evaluation;
using DataPipeline.Engine.Evaluation.Localisers;

namespace DataPipeline.PowerShell.Commands;

/// <summary>
/// The scoring parameters that Measure-Localization and Test-UNetModel share, and the one way they
/// become a <see cref="LocalisationEvaluator"/>: parameters override -Config's [evaluation] section,
/// which overrides the defaults given by the cmdlet.
/// </summary>
public abstract class LocalisationCmdlet : DataPipelineCmdlet
{
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

    /// <summary>The evaluator for these parameters over <paramref name="defaults"/> (used when there is no -Config).</summary>
    protected LocalisationEvaluator CreateEvaluator(EvaluationSettings defaults, LocalisationMethod method = LocalisationMethod.UNet)
    {
        var settings = Config is null ? Copy(defaults) : LoadConfig(Config).Evaluation;
        if (IsBound(nameof(Threshold))) settings.Threshold = Threshold;
        if (IsBound(nameof(WindowPx))) settings.WindowPx = WindowPx;
        if (IsBound(nameof(TolerancePx))) settings.TolerancePx = TolerancePx;
        if (IsBound(nameof(Refine))) settings.Refine = Refine;
        try
        {
            return new LocalisationEvaluator(settings, Truth, method);
        }
        catch (ArgumentException e)
        {
            ThrowArgumentError(e, "InvalidEvaluationSettings", settings);
            throw; // not reached: ThrowTerminatingError always throws
        }
    }

    /// <summary>Writes the error for a frame that could not be scored; the other frames go on.</summary>
    protected void WriteFrameError(Exception e, object? frame)
    {
        if (e is InvalidOperationException)
            WriteError(new ErrorRecord(e, "MatchingTooLarge", ErrorCategory.LimitsExceeded, frame));
        else
            WriteError(new ErrorRecord(e, "FrameNotEvaluable", ErrorCategory.InvalidData, frame));
    }

    private static EvaluationSettings Copy(EvaluationSettings s) => new()
    {
        Threshold = s.Threshold,
        WindowPx = s.WindowPx,
        TolerancePx = s.TolerancePx,
        Refine = s.Refine,
        WindowOverlap = s.WindowOverlap,
    };
}
