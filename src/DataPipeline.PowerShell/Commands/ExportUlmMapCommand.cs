using System.Management.Automation;
using DataPipeline.Engine.Maps;

namespace DataPipeline.PowerShell.Commands;

/// <summary>
/// Writes an UlmMap as a PNG figure (log-scaled density, speed and direction with colour bars), a
/// MAT-file or an HDF5 file (-Path: .png, .mat, .h5 or .hdf5); the format follows the file name
/// unless -Format says otherwise.
/// </summary>
[Cmdlet(VerbsData.Export, "UlmMap", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
[OutputType(typeof(FileInfo))]
public sealed class ExportUlmMapCommand : OutputPathCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public UlmMap InputObject { get; set; } = null!;

    [Parameter]
    public UlmMapFormat Format { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        string target = ResolveTarget();
        UlmMapFormat? format = IsBound(nameof(Format)) ? Format : UlmMapExport.FormatOf(target);
        if (format is null)
        {
            ThrowTerminatingError(new ErrorRecord(
                new ArgumentException($"Cannot tell the format from the name {target}: end it in .png, .mat, .h5 or .hdf5, or give -Format Png, Mat or Hdf5."),
                "UnknownMapFormat", ErrorCategory.InvalidArgument, target));
        }
        if (!ShouldProcess(target, $"Write the {InputObject.Height}x{InputObject.Width} ULM map as {format}")) return;
        try
        {
            UlmMapExport.Write(InputObject, target, format!.Value);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(new ErrorRecord(e, "MapWriteFailed", ErrorCategory.WriteError, target));
        }
        if (PassThru) WriteItem(target);
    }
}
