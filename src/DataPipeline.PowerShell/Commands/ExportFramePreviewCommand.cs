using System.Management.Automation;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Reporting;

namespace DataPipeline.PowerShell.Commands;

/// <summary>
/// Draws the first -Count frames of the pipeline into one PNG: data next to label, each with a
/// colour bar and its source and index in the title; sequences one row per frame. A path ending
/// in .gif gives an animated GIF instead, one GIF frame per time step.
/// </summary>
/// <remarks>The PNG file to write (-Path), or a .gif file for an animation of the time steps.</remarks>
[Cmdlet(VerbsData.Export, "FramePreview", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
[OutputType(typeof(FileInfo))]
public sealed class ExportFramePreviewCommand : OutputPathCmdlet
{
    /// <summary>Frames, from the pipeline or as an array.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public Frame[] InputObject { get; set; } = [];

    /// <summary>How many frames to show (the first ones; later frames are ignored).</summary>
    [Parameter]
    [ValidateRange(1, 256)]
    public int Count { get; set; } = 16;

    /// <summary>Draw the data as B-mode: 20·log10 of the magnitude over the frame's largest, on [−DynamicRangeDb, 0] dB.</summary>
    [Parameter]
    [ValidateRange(1.0, 200.0)]
    public double DynamicRangeDb { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private readonly List<Frame> _frames = [];

    protected override void ProcessRecord()
    {
        _frames.AddRange(InputObject.Take(Count - _frames.Count));
    }

    protected override void EndProcessing()
    {
        string target = ResolveTarget();
        if (_frames.Count == 0)
        {
            ThrowTerminatingError(new ErrorRecord(new InvalidOperationException("No frames came down the pipeline, so there is nothing to preview."),
                "NoFramesToPreview", ErrorCategory.InvalidArgument, target));
        }
        if (!ShouldProcess(target, $"Write a preview of {_frames.Count} frame(s)")) return;
        try
        {
            double? dynamicRange = IsBound(nameof(DynamicRangeDb)) ? DynamicRangeDb : null;
            if (string.Equals(System.IO.Path.GetExtension(target), ".gif", StringComparison.OrdinalIgnoreCase))
            {
                var (width, height, steps) = FramePreviewAnimation.Write(_frames, target, dynamicRange);
                WriteVerbose($"{target}: {width}x{height} px, {_frames.Count} frame(s), {steps} time step(s) animated");
            }
            else
            {
                var (width, height) = FramePreview.Write(_frames, target, dynamicRange);
                WriteVerbose($"{target}: {width}x{height} px, {_frames.Count} frame(s)");
            }
        }
        catch (ArgumentException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, "MixedFramesInPreview", ErrorCategory.InvalidArgument, _frames));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(new ErrorRecord(e, "PreviewWriteFailed", ErrorCategory.WriteError, target));
        }
        if (PassThru) WriteItem(target);
    }
}
