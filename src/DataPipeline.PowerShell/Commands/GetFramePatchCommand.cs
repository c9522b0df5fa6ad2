using System.Management.Automation;
using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Runtime;

namespace DataPipeline.PowerShell.Commands;

/// <summary>
/// Cuts square patches from the frames of the pipeline and emits each as a frame, so that
/// <c>| Export-FrameDataset patches.h5</c> writes a patch dataset (data_tools' create_dataset).
/// Placement is the batch generator's: anywhere, on label maxima, inside a mask, with mirrored edges.
/// </summary>
[Cmdlet(VerbsCommon.Get, "FramePatch")]
[OutputType(typeof(Frame))]
public sealed class GetFramePatchCommand : DataPipelineCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public Frame[] InputObject { get; set; } = [];

    /// <summary>Side of the square patches in data pixels ([batch] patch_size).</summary>
    [Parameter(Position = 0)]
    [ValidateRange(1, 65536)]
    public int Size { get; set; }

    /// <summary>The most patches cut from one frame (distinct places; fewer when fewer exist).</summary>
    [Parameter]
    [ValidateRange(1, 1000000)]
    public int MaxPerFrame { get; set; } = 1;

    /// <summary>Centre patches on label maxima ([batch] patch_on_label).</summary>
    [Parameter]
    public SwitchParameter OnLabel { get; set; }

    /// <summary>Let patches reach past the frame's edges, mirrored there ([batch] patch_mirror).</summary>
    [Parameter]
    public SwitchParameter Mirror { get; set; }

    /// <summary>Where patch centres may lie: a 2-D array (or array of rows) of the frames' data size, non-zero = allowed.</summary>
    [Parameter]
    [ValidateNotNull]
    public object? Mask { get; set; }

    /// <summary>Seed of the placement ([batch] seed); frame k of the pipeline uses stream k, so the patches do not depend on what else is cut.</summary>
    [Parameter]
    public long Seed { get; set; }

    [Parameter]
    public string? Config { get; set; }

    private int _size;
    private bool _onLabel, _mirror;
    private long _seed, _ordinal;
    private bool[]? _mask;
    private (int H, int W) _maskShape;
    private readonly Dictionary<string, PatchCutter> _cutters = [];

    protected override void BeginProcessing()
    {
        var batch = LoadConfig(Config).Batch;
        _size = IsBound(nameof(Size)) ? Size : batch.PatchSize;
        _onLabel = IsBound(nameof(OnLabel)) ? OnLabel.IsPresent : batch.PatchOnLabel;
        _mirror = IsBound(nameof(Mirror)) ? Mirror.IsPresent : batch.PatchMirror;
        _seed = IsBound(nameof(Seed)) ? Seed : batch.Seed;
        if (_size == 0)
            ThrowTerminatingError(new ErrorRecord(new ArgumentException("No patch size: give -Size or [batch] patch_size in -Config."),
                "NoPatchSize", ErrorCategory.InvalidArgument, null));
        if (Mask is not null)
        {
            try
            {
                var (mask, h, w) = PatchMaskArgument.Convert(Mask);
                (_mask, _maskShape) = (mask, (h, w));
            }
            catch (ArgumentException e)
            {
                ThrowTerminatingError(new ErrorRecord(e, "InvalidPatchMask", ErrorCategory.InvalidArgument, Mask));
            }
        }
    }

    protected override void ProcessRecord()
    {
        foreach (var frame in InputObject)
        {
            if (frame is null) continue;
            long ordinal = _ordinal++;
            try
            {
                var cutter = CutterFor(frame);
                foreach (var patch in cutter.Patches(frame, MaxPerFrame, new SeededRandom(_seed, ordinal))) WriteObject(patch);
            }
            catch (ArgumentException e)
            {
                // A frame that cannot be cut (no label, too small, mask of another size) is reported; the rest go on.
                WriteError(new ErrorRecord(e, "FrameNotPatchable", ErrorCategory.InvalidData, frame)
                {
                    ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = "Give labelled frames at least -Size pixels high and wide, and a -Mask of their data size." },
                });
            }
        }
    }

    /// <summary>One cutter per frame shape, so a pipeline of mixed sizes is cut as it comes.</summary>
    private PatchCutter CutterFor(Frame frame)
    {
        string key = $"{string.Join("x", frame.Shape)}:{frame.SizeRatio}";
        if (_cutters.TryGetValue(key, out var cutter)) return cutter;
        if (_mask is not null && (_maskShape.H != frame.Height || _maskShape.W != frame.Width))
            throw new ArgumentException($"-Mask is {_maskShape.H}x{_maskShape.W}, but {frame} is {frame.Height}x{frame.Width}; give one value per data pixel.");
        return _cutters[key] = new PatchCutter(frame.Shape, frame.SizeRatio, _size, _onLabel, _mirror, _mask);
    }
}
