using System.Management.Automation;
using DataPipeline.Engine.Models;

namespace DataPipeline.PowerShell.Commands;

/// <summary>Loads the model of a checkpoint written by Invoke-UNetTraining (best.ckpt, last.ckpt, epoch-NNNN.ckpt).</summary>
[Cmdlet(VerbsData.Import, "UNetModel", DefaultParameterSetName = PathSet)]
[OutputType(typeof(UNetModel))]
public sealed class ImportUNetModelCommand : DataPipelineCmdlet
{
    /// <summary>Checkpoint files; wildcards allowed (e.g. output/*/best.ckpt).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[] Path { get; set; } = [];

    /// <summary>
    /// Checkpoint files taken exactly as written ([ and ] are not wildcards). Binds the PSPath of
    /// piped files and the BestCheckpoint of a piped TrainingRun: both name one file, never a pattern.
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
    [ValidateNotNullOrEmpty]
    [Alias("PSPath", "LPath", "BestCheckpoint")]
    public string[] LiteralPath { get; set; } = [];

    protected override void BeginProcessing() => EnsureTorch();

    protected override void ProcessRecord()
    {
        foreach (string checkpoint in ResolveInputPaths(IsLiteral ? LiteralPath : Path, IsLiteral, notFoundId: "CheckpointNotFound"))
        {
            try
            {
                WriteObject(UNetModel.Load(checkpoint));
            }
            catch (Exception e) when (e is IOException or InvalidDataException or System.Text.Json.JsonException)
            {
                WriteError(new ErrorRecord(e, "InvalidCheckpoint",
                    File.Exists(checkpoint) ? ErrorCategory.InvalidData : ErrorCategory.ObjectNotFound, checkpoint));
            }
        }
    }
}
