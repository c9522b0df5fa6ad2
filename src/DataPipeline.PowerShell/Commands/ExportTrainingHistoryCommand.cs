using System.Management.Automation;
using DataPipeline.Engine.Reporting;
using DataPipeline.Engine.Training;

namespace DataPipeline.PowerShell.Commands;

/// <summary>
/// Writes a run's history as history.csv and history.json, and one PNG per metric, into a folder.
/// </summary>
[Cmdlet(VerbsData.Export, "TrainingHistory", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportTrainingHistoryCommand : DataPipelineCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public TrainingRun InputObject { get; set; } = null!;

    /// <summary>The folder; created when missing.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    public string Path { get; set; } = "";

    /// <summary>Emit the FileInfo of every written file.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        string directory = ResolvePath(Path);
        if (!ShouldProcess(directory, $"Write the history and plots of run {InputObject.RunId}")) return;
        if (InputObject.History.Count == 0)
            WriteWarning($"Run {InputObject.RunId} has no completed epoch; the files will hold no rows.");
        IEnumerable<string> written;
        try
        {
            Directory.CreateDirectory(directory);
            written = HistoryFiles.Write(InputObject, directory).Concat(HistoryPlots.Write(InputObject, directory)).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            WriteError(new ErrorRecord(e, "HistoryWriteFailed", ErrorCategory.WriteError, directory));
            return;
        }
        if (PassThru)
        {
            foreach (var path in written)
                WriteObject(new FileInfo(path));
        }
    }
}
