using DataPipeline.Engine.Configuration;
using System.Management.Automation;
using DataPipeline.Engine.Models;
using DataPipeline.Engine.Runtime;

namespace DataPipeline.PowerShell.Commands;

/// <summary>Describes the U-Net a configuration builds: shapes, layer table, parameter counts.</summary>
[Cmdlet(VerbsCommon.New, "UNetModel")]
[OutputType(typeof(UNetModel))]
public sealed class NewUNetModelCommand : DataPipelineCmdlet
{
    [Parameter(Position = 0)]
    public string? Config { get; set; }

    /// <summary>
    /// The super-resolution factor; default the config's [model] size_ratio or, when that is 0
    /// ("from the data"), its [simulation] size_ratio: the ratio of the frames the same config
    /// simulates, so that the model is the one Invoke-UNetTraining builds on them.
    /// </summary>
    [Parameter]
    [ValidateRange(1, 16)]
    public int SizeRatio { get; set; }

    protected override void EndProcessing()
    {
        var config = LoadConfig(Config);
        int ratio = IsBound(nameof(SizeRatio)) ? SizeRatio
            : config.Model.SizeRatio > 0 ? config.Model.SizeRatio
            : config.Simulation.SizeRatio;
        config.Model.SizeRatio = ratio;
        // A conv temporal head spans T: that of the sequences the same config simulates.
        int timeSteps = config.Model.Dims == 3 ? config.Simulation.Frames : 0;
        EnsureTorch();
        try
        {
            WriteObject(UNetModel.Create(config, ratio, timeSteps));
        }
        catch (ArgumentException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, "InvalidModelConfiguration", ErrorCategory.InvalidArgument, config.SourcePath ?? Config));
        }
        catch (MemoryLimitExceededException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, "MemoryLimitExceeded", ErrorCategory.LimitsExceeded, e.Key));
        }
        catch (ConfigException e)
        {
            // Keys that only clash once the network is built (up_sampling against filters or skip).
            ThrowTerminatingError(ConfigError(e, Config is null ? "" : ResolvePath(Config)));
        }
    }
}
