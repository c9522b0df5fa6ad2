using System.Management.Automation;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Mat;

namespace DataPipeline.PowerShell.Commands;

/// <summary>
/// Writes piped Frames (as data, label, prediction, source, index and positions arrays) or MatVariables (each
/// under its own name) to a level 5 MAT-file that MATLAB, Octave and scipy read.
/// </summary>
[Cmdlet(VerbsData.Export, "MatFile", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
[OutputType(typeof(FileInfo))]
public sealed class ExportMatFileCommand : OutputPathCmdlet
{
    private readonly List<Frame> _frames = [];
    private readonly List<MatVariable> _variables = [];

    /// <summary>Frames or MatVariables, from the pipeline or as an array.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public PSObject[] InputObject { get; set; } = [];

    /// <summary>Write uncompressed (MATLAB -v6) instead of zlib-compressed (-v7).</summary>
    [Parameter]
    public SwitchParameter NoCompression { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var item in InputObject)
        {
            switch (item.BaseObject)
            {
                case Frame frame: _frames.Add(frame); break;
                case MatVariable variable: _variables.Add(variable); break;
                default:
                    WriteError(new ErrorRecord(
                        new ArgumentException($"Export-MatFile writes Frames and MatVariables, not {item.BaseObject.GetType().FullName}."),
                        "UnsupportedInput", ErrorCategory.InvalidType, item));
                    break;
            }
        }
    }

    protected override void EndProcessing()
    {
        string file = ResolveTarget();
        // A file with none of what was asked for would pass for an export; nothing is written.
        if (_frames.Count == 0 && _variables.Count == 0)
            ThrowTerminatingError(new ErrorRecord(
                new ArgumentException($"Nothing to write to {file}: no Frame or MatVariable came in. Pipe frames (New-SyntheticFrame, Import-MatDataset) or variables (Get-MatVariable)."),
                "NothingToExport", ErrorCategory.InvalidArgument, file));
        if (!ShouldProcess(file, $"Write {_frames.Count} frames and {_variables.Count} variables")) return;
        try
        {
            var all = new List<MatVariable>(_variables);
            if (_frames.Count > 0) all.AddRange(FrameMatConverter.ToVariables(_frames));
            Level5Writer.Write(file, all, compress: !NoCompression);
        }
        catch (ArgumentException e)
        {
            ThrowArgumentError(e, "CannotWriteMatFile", file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(new ErrorRecord(e, "MatWriteFailed", ErrorCategory.WriteError, file));
        }
        if (PassThru) WriteItem(file);
    }
}
