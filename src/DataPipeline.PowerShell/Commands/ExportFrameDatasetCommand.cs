using System.Management.Automation;
using DataPipeline.Engine.Frames;

namespace DataPipeline.PowerShell.Commands;

/// <summary>
/// Writes the frames of the pipeline into an HDF5 frame store (docs/frame-store.md). The store
/// appears, complete, only when the last frame has been written: until then the target keeps its
/// old content, whatever stops the export.
/// </summary>
/// <remarks>The store file (-Path), e.g. frames.h5; replaced unless -Append.</remarks>
[Cmdlet(VerbsData.Export, "FrameDataset", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
[OutputType(typeof(FileInfo))]
public sealed class ExportFrameDatasetCommand : OutputPathCmdlet, IDisposable
{
    /// <summary>Frames, from the pipeline or as an array.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public Frame[] InputObject { get; set; } = [];

    /// <summary>Add the frames after those already in the store (which must have the same shapes).</summary>
    [Parameter]
    public SwitchParameter Append { get; set; }

    /// <summary>Emit the FileInfo of the written store.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private FrameStoreWriter? _writer;
    private bool _warnedPrediction;
    private string _target = "";
    private readonly ProgressRecord _progress = new(2, "Exporting frames", "starting");

    protected override void BeginProcessing()
    {
        _target = ResolveTarget();
        if (!ShouldProcess(_target, Append ? "Append frames to the frame store" : "Write a frame store")) return;
        try
        {
            _writer = FrameStoreWriter.Create(_target, Append);
        }
        catch (FrameStoreException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, "FrameStoreUnreadable", ErrorCategory.InvalidData, _target)
            {
                ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = "Append only to a store written by Export-FrameDataset, or write a new one without -Append." },
            });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(new ErrorRecord(e, "FrameStoreWriteFailed", ErrorCategory.WriteError, _target));
        }
    }

    protected override void ProcessRecord()
    {
        if (_writer is null) return;
        foreach (var frame in InputObject) Add(_writer, frame);
    }

    private void Add(FrameStoreWriter writer, Frame frame)
    {
        if (frame.Prediction is not null && !_warnedPrediction)
        {
            WriteWarning("The frames carry predictions; a frame store keeps data, labels and positions only, so the predictions are not written.");
            _warnedPrediction = true;
        }
        try
        {
            writer.Add(frame);
        }
        catch (FrameStoreException e)
        {
            // One store holds one shape; stopping here leaves the target as it was rather than
            // writing a store that silently lacks some of the frames it was given.
            ThrowTerminatingError(new ErrorRecord(e, "FrameShapeMismatch", ErrorCategory.InvalidArgument, frame)
            {
                ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = "Export frames of different shapes or channel counts (IQ, envelope) into different stores." },
            });
        }
        catch (IOException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, "FrameStoreWriteFailed", ErrorCategory.WriteError, _target));
        }
        if (writer.Count % 256 == 0)
        {
            _progress.StatusDescription = $"{writer.Count} frames";
            WriteProgress(_progress);
        }
    }

    protected override void EndProcessing()
    {
        if (_writer is null) return;
        _progress.StatusDescription = $"writing {_writer.Count} frames to {_target}";
        WriteProgress(_progress);
        FrameStoreManifest manifest;
        try
        {
            manifest = _writer.Commit();
        }
        catch (FrameStoreException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, "FrameStoreEmpty", ErrorCategory.InvalidData, _target));
            return;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(new ErrorRecord(e, "FrameStoreWriteFailed", ErrorCategory.WriteError, _target));
            return;
        }
        _progress.RecordType = ProgressRecordType.Completed;
        WriteProgress(_progress);
        WriteVerbose($"{_target}: {manifest.Count} frames of [{string.Join(", ", manifest.FrameShape)}], {manifest.ContentHash}");
        if (PassThru) WriteItem(_target);
    }

    public void Dispose() => _writer?.Dispose();
}
