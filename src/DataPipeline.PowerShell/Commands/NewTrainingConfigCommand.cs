using System.Management.Automation;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.IO;

namespace DataPipeline.PowerShell.Commands;

/// <summary>Writes a configuration file with every key, its default and a comment.</summary>
[Cmdlet(VerbsCommon.New, "TrainingConfig", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
[OutputType(typeof(FileInfo))]
public sealed class NewTrainingConfigCommand : OutputPathCmdlet
{
    /// <summary>Overwrite an existing file.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void EndProcessing()
    {
        string path = ResolveTarget();
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
