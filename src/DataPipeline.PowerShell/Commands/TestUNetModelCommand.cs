using System.Management.Automation;
using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Evaluation;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Models;
using DataPipeline.PowerShell.Completion;

namespace DataPipeline.PowerShell.Commands;

/// <summary>
/// Tests a model in one step: predicts the frames from the pipeline, or a BatchGenerator's
/// validation split, and scores the predictions as Measure-Localization does. Emits one
/// EvaluationResult after the last frame.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "UNetModel", DefaultParameterSetName = ModelSet)]
[OutputType(typeof(EvaluationResult))]
public sealed class TestUNetModelCommand : LocalisationCmdlet
{
    private const string ModelSet = "Model", CheckpointSet = "Checkpoint";
    private ModelEvaluation? _evaluation;

    [Parameter(ValueFromPipeline = true)]
    public Frame[] InputObject { get; set; } = [];

    /// <summary>Scores the generator's validation split (its frames, unaugmented).</summary>
    [Parameter(ValueFromPipeline = true)]
    public BatchGenerator? BatchGenerator { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = ModelSet, Position = 0)]
    public UNetModel Model { get; set; } = null!;

    [Parameter(Mandatory = true, ParameterSetName = CheckpointSet)]
    public string Checkpoint { get; set; } = "";

    [Parameter]
    [ValidateRange(1, 4096)]
    public int BatchSize { get; set; } = 16;

    [Parameter]
    [ValidatePattern("^(auto|cpu|cuda(:[0-9]+)?)$")]
    [ArgumentCompleter(typeof(DeviceCompleter))]
    public string Device { get; set; } = "auto";

    [Parameter]
    [ValidateCount(2, 3)]
    [ValidateRange(1, 65536)]
    public int[]? WindowSize { get; set; }

    [Parameter]
    [ValidateRange(0.0, 4096.0)]
    public double Overlap { get; set; }

    protected override void BeginProcessing()
    {
        EnsureTorch();
        var model = ResolveModel(ParameterSetName == ModelSet ? Model : null, ParameterSetName == CheckpointSet ? Checkpoint : null);
        var evaluator = CreateEvaluator(model.Config.Evaluation);
        var predictor = CreatePredictor(model, Device, WindowSize, IsBound(nameof(Overlap)) ? Overlap : null, BatchSize);
        _evaluation = new ModelEvaluation(predictor, evaluator);
    }

    protected override void ProcessRecord()
    {
        if (BatchGenerator is { } generator)
        {
            if (generator.ValidationCount == 0)
                ThrowArgumentError(new ArgumentException(
                    "The BatchGenerator has no validation split to test on; make it with New-BatchGenerator -ValidationFraction 0.2 (for example), or pipe the test frames instead."),
                    "NoValidationFrames", generator);
            WriteVerbose($"Testing on the {generator.ValidationCount} validation frames of the generator.");
            foreach (int i in generator.EpochOrder(BatchSplit.Validation, 0)) Score(generator.ReadFrame(i));
        }
        foreach (var frame in InputObject) Score(frame);
    }

    protected override void EndProcessing()
    {
        var queued = _evaluation!.Queued.FirstOrDefault();
        EvaluationResult result;
        try
        {
            result = _evaluation.Result();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            WriteFrameError(e, queued);
            result = _evaluation.Result();
        }
        WriteVerbose($"Scored {result.FrameCount} frame(s).");
        WriteObject(result);
    }

    private void Score(Frame frame)
    {
        try
        {
            _evaluation!.Add(frame);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // One unusable frame (or batch) should not cost the scores of all the others.
            WriteFrameError(e, frame);
        }
    }
}
