using System.Management.Automation;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Inference;
using DataPipeline.Engine.Models;
using DataPipeline.PowerShell.Completion;

namespace DataPipeline.PowerShell.Commands;

/// <summary>
/// Runs a trained U-Net over frames from the pipeline and emits them carrying their prediction
/// maps (Frame.Prediction), in batches, streaming; frames larger than the model's window are
/// predicted in overlapping, blended tiles.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "UNetPrediction", DefaultParameterSetName = ModelSet)]
[OutputType(typeof(Frame))]
public sealed class InvokeUNetPredictionCommand : DataPipelineCmdlet
{
    private const string ModelSet = "Model", CheckpointSet = "Checkpoint";
    private readonly List<Frame> _pending = [];
    private Predictor? _predictor;

    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public Frame[] InputObject { get; set; } = [];

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

    /// <summary>Tile shape, [H, W] or [T, H, W]; default: the frames the model was trained on.</summary>
    [Parameter]
    [ValidateCount(2, 3)]
    [ValidateRange(1, 65536)]
    public int[]? WindowSize { get; set; }

    /// <summary>Tile overlap: a fraction in [0, 1) or whole pixels; default: the model's evaluation.window_overlap.</summary>
    [Parameter]
    [ValidateRange(0.0, 4096.0)]
    public double Overlap { get; set; }

    protected override void BeginProcessing()
    {
        EnsureTorch();
        var model = ResolveModel(ParameterSetName == ModelSet ? Model : null, ParameterSetName == CheckpointSet ? Checkpoint : null);
        _predictor = CreatePredictor(model, Device, WindowSize, IsBound(nameof(Overlap)) ? Overlap : null, BatchSize);
    }

    protected override void ProcessRecord()
    {
        foreach (var frame in InputObject)
        {
            if (_pending.Count > 0 && !_pending[0].Shape.SequenceEqual(frame.Shape)) Flush();
            _pending.Add(frame);
            if (_pending.Count >= BatchSize) Flush();
        }
    }

    protected override void EndProcessing() => Flush();

    private void Flush()
    {
        if (_pending.Count == 0) return;
        try
        {
            foreach (var frame in _predictor!.Predict(_pending))
                WriteObject(frame);
        }
        catch (ArgumentException e)
        {
            WriteError(new ErrorRecord(e, "FrameDoesNotFitModel", ErrorCategory.InvalidData, _pending[0]));
        }
        _pending.Clear();
    }

    protected override void StopProcessing() => _predictor?.Dispose();
}
