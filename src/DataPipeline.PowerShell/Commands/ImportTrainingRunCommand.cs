using System.Management.Automation;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Training;

namespace DataPipeline.PowerShell.Commands;

/// <summary>
/// Reads a run's folder (OutputDirectory/RunId) back as the TrainingRun Invoke-UNetTraining gave:
/// history, configuration, status, checkpoints. Any finished, stopped, failed or killed run can
/// then be re-plotted with Export-TrainingHistory, or resumed from its LastCheckpoint.
/// </summary>
[Cmdlet(VerbsData.Import, "TrainingRun", DefaultParameterSetName = PathSet)]
[OutputType(typeof(TrainingRun))]
public sealed class ImportTrainingRunCommand : DataPipelineCmdlet
{
    /// <summary>Run folders; wildcards allowed (e.g. output/runs/*).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>Run folders, taken exactly as written ([ and ] are not wildcards).</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
    [Alias("PSPath", "LPath")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    protected override void ProcessRecord()
    {
        foreach (string folder in Folders())
        {
            try
            {
                WriteObject(RunFolder.Load(folder));
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                WriteError(new ErrorRecord(e, "NotARunFolder", ErrorCategory.ObjectNotFound, folder));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                WriteError(new ErrorRecord(e, "RunFolderUnreadable", ErrorCategory.ReadError, folder));
            }
            catch (Exception e) when (e is InvalidDataException or System.Text.Json.JsonException or ConfigException or FormatException or ArgumentException)
            {
                WriteError(new ErrorRecord(e, "InvalidRunFolder", ErrorCategory.InvalidData, folder));
            }
        }
    }

    /// <summary>The folders named: -LiteralPath as written, -Path expanded; one that matches nothing is an error.</summary>
    private IEnumerable<string> Folders() =>
        ResolveInputPaths(IsLiteral ? LiteralPath : Path, IsLiteral, notFoundId: "RunFolderNotFound");
}
