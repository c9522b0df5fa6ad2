using System.Management.Automation;
using DataPipeline.Engine.Sweeps;
using DataPipeline.Engine.Training;

namespace DataPipeline.PowerShell.Commands;

/// <summary>
/// Reads a sweep folder's state from disk, at any time: while its combinations train (here, as
/// Slurm tasks, on remote hosts) or after. Emits one SweepRun per combination, Pending, Running,
/// Interrupted, Stopped, Completed or Failed, with its run when it has one.
/// </summary>
[Cmdlet(VerbsCommon.Get, "TrainingSweep", DefaultParameterSetName = PathSet)]
[OutputType(typeof(SweepRun))]
public sealed class GetTrainingSweepCommand : DataPipelineCmdlet
{
    /// <summary>Sweep folders (Invoke-TrainingSweep's -Path); wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>Sweep folders, taken exactly as written ([ and ] are not wildcards).</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
    [Alias("PSPath", "LPath")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    protected override void ProcessRecord()
    {
        foreach (string folder in ResolveInputPaths(IsLiteral ? LiteralPath : Path, IsLiteral, notFoundId: "SweepFolderNotFound"))
        {
            try
            {
                var manifest = SweepManifest.Load(folder);
                foreach (var combination in manifest.Combinations)
                    WriteObject(SweepRun.From(SweepRunner.Inspect(manifest, combination.Index), manifest.Combinations.Count));
            }
            catch (SweepFolderException e)
            {
                WriteError(new ErrorRecord(e, "NotASweepFolder", ErrorCategory.InvalidData, folder));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                WriteError(new ErrorRecord(e, "SweepFolderUnreadable", ErrorCategory.ReadError, folder));
            }
        }
    }
}
