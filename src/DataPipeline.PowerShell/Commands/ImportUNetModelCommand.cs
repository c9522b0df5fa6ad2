using System.Management.Automation;
using DataPipeline.Engine.Models;

namespace DataPipeline.PowerShell.Commands;

/// <summary>Loads the model of a checkpoint written by Invoke-UNetTraining (best.ckpt, last.ckpt, epoch-NNNN.ckpt).</summary>
[Cmdlet(VerbsData.Import, "UNetModel")]
[OutputType(typeof(UNetModel))]
public sealed class ImportUNetModelCommand : DataPipelineCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "BestCheckpoint")]
    public string[] Path { get; set; } = [];

    protected override void BeginProcessing() => EnsureTorch();

    protected override void ProcessRecord()
    {
        foreach (var path in Path)
        {
            string resolved = ResolvePath(path);
            try
            {
                WriteObject(UNetModel.Load(resolved));
            }
            catch (Exception e) when (e is IOException or InvalidDataException or System.Text.Json.JsonException)
            {
                WriteError(new ErrorRecord(e, "InvalidCheckpoint",
                    File.Exists(resolved) ? ErrorCategory.InvalidData : ErrorCategory.ObjectNotFound, resolved));
            }
        }
    }
}
