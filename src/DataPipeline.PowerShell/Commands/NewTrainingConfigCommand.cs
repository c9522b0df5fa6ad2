using System.Management.Automation;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.IO;

namespace DataPipeline.PowerShell.Commands;

/// <summary>Writes a configuration file with every key, its default and a comment.</summary>
[Cmdlet(VerbsCommon.New, "TrainingConfig", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
[OutputType(typeof(FileInfo))]
public sealed class NewTrainingConfigCommand : DataPipelineCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [SupportsWildcards]
    public string Path { get; set; } = "";

    /// <summary>The target as typed: [ ] and * are part of the name, not wildcards.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet)]
    [Alias("PSPath", "LPath")]
    public string LiteralPath { get; set; } = "";

    /// <summary>Overwrite an existing file.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void EndProcessing()
    {
        string path = ResolveOutputPath(IsLiteral ? LiteralPath : Path, IsLiteral);
        if (File.Exists(path) && !Force)
        {
            ThrowTerminatingError(new ErrorRecord(
                new IOException($"{path} exists; use -Force to overwrite it."), "ConfigExists", ErrorCategory.ResourceExists, path));
        }
        if (!ShouldProcess(path, "Write a training configuration with every default")) return;
        AtomicFile.WriteAllText(path, ConfigTemplate.Write(new PipelineConfig()));
        WriteItem(path);
    }
}
