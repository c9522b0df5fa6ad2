using System.Management.Automation;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Evaluation;
using DataPipeline.Engine.Evaluation.Localisers;
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
public sealed class MeasureLocalizationCommand : LocalisationCmdlet
{
    /// <summary>Frames carrying a prediction, from the pipeline or as an array.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public Frame[] InputObject { get; set; } = [];

    /// <summary>UNet (default) scores the frames' predictions; the classical localisers find their own detections in the data.</summary>
    [Parameter]
    public LocalisationMethod Method { get; set; }

    private LocalisationEvaluator _evaluator = null!;

    protected override void BeginProcessing() => _evaluator = CreateEvaluator(new EvaluationSettings(), Method);

    protected override void ProcessRecord()
    {
        foreach (var frame in InputObject)
        {
            try
            {
                _evaluator.Add(frame);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                // One unusable frame should not cost the scores of all the others.
                WriteFrameError(e, frame);
            }
        }
    }

    protected override void EndProcessing() => WriteObject(_evaluator.Result());
}
