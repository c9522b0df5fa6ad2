using System.Management.Automation;
using DataPipeline.Engine.Reporting;
using DataPipeline.Engine.Training;

namespace DataPipeline.PowerShell.Commands;

/// <summary>
/// Writes a run's history (CSV, JSON, one PNG per metric and a summary, a self-contained HTML
/// page) into a folder, every file named by the run so that runs never overwrite each other.
/// </summary>
/// <remarks>The folder (-Path); created when missing.</remarks>
[Cmdlet(VerbsData.Export, "TrainingHistory", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
[OutputType(typeof(FileInfo))]
public sealed class ExportTrainingHistoryCommand : OutputPathCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public TrainingRun InputObject { get; set; } = null!;

    /// <summary>Which files to write; all of them by default.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public HistoryFormat[] Format { get; set; } = [.. HistoryExport.DefaultFormats];

    /// <summary>Plot the losses (loss, mse) on a logarithmic axis.</summary>
    [Parameter]
    public SwitchParameter LogScale { get; set; }

    /// <summary>Emit the FileInfo of every written file.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        string directory = ResolveTarget();
        if (!ShouldProcess(directory, $"Write the {string.Join(", ", Format.Distinct())} history of run {InputObject.RunId}")) return;
        if (InputObject.History.Count == 0)
            WriteWarning($"Run {InputObject.RunId} has no completed epoch; the files will hold no rows.");
        IEnumerable<string> written;
        try
        {
            written = HistoryExport.Write(InputObject, directory, Format, LogScale);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            WriteError(new ErrorRecord(e, "HistoryWriteFailed", ErrorCategory.WriteError, directory));
            return;
        }
        if (PassThru)
        {
            foreach (var path in written)
                WriteItem(path);
        }
    }
}
