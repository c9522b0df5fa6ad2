using System.Management.Automation;
using DataPipeline.Engine.Runtime;

namespace DataPipeline.PowerShell.Commands;

/// <summary>Lists the CPU and the CUDA devices that -Device can name, or why CUDA is unavailable.</summary>
[Cmdlet(VerbsCommon.Get, "TrainingDevice")]
[OutputType(typeof(TrainingDevice))]
public sealed class GetTrainingDeviceCommand : DataPipelineCmdlet
{
    /// <summary>Only devices that can be used now (drops the unavailable CUDA entry).</summary>
    [Parameter]
    public SwitchParameter Available { get; set; }

    protected override void EndProcessing()
    {
        EnsureTorch();
        foreach (var device in TrainingDevice.List())
        {
            if (!Available || device.Available) WriteObject(device);
        }
    }
}
