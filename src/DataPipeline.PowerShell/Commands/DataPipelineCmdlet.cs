using System.Collections.ObjectModel;
using System.Management.Automation;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Runtime;

namespace DataPipeline.PowerShell.Commands;

/// <summary>
/// What every DataPipeline cmdlet shares: resolving paths against the current PowerShell location,
/// loading the configuration, and turning engine exceptions into ErrorRecords with the right
/// category, target and advice.
/// </summary>
public abstract class DataPipelineCmdlet : PSCmdlet
{
    /// <summary>True when the user passed <paramref name="parameter"/>, so it overrides the config file.</summary>
    protected bool IsBound(string parameter) => MyInvocation.BoundParameters.ContainsKey(parameter);

    /// <summary>A file-system path relative to the PowerShell location (not the process directory).</summary>
    protected string ResolvePath(string path) => SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

    /// <summary>
    /// Expands paths (wildcards allowed) to existing files; a path that matches nothing gives a
    /// non-terminating error and the others go on.
    /// </summary>
    protected IEnumerable<string> ResolveFiles(IEnumerable<string> paths)
    {
        foreach (string path in paths)
        {
            Collection<string> resolved;
            try
            {
                resolved = SessionState.Path.GetResolvedProviderPathFromPSPath(path, out _);
            }
            catch (ItemNotFoundException e)
            {
                WriteError(new ErrorRecord(e, "FileNotFound", ErrorCategory.ObjectNotFound, path));
                continue;
            }
            foreach (string file in resolved) yield return file;
        }
    }

    /// <summary>An error reading one data file: InvalidData for a damaged file, ReadError for IO trouble.</summary>
    internal static ErrorRecord FileError(Exception e, string file)
    {
        var category = e switch
        {
            Engine.Mat.MatFormatException => ErrorCategory.InvalidData,
            UnauthorizedAccessException => ErrorCategory.PermissionDenied,
            FileNotFoundException or DirectoryNotFoundException => ErrorCategory.ObjectNotFound,
            _ => ErrorCategory.ReadError,
        };
        string id = e is Engine.Mat.MatFormatException ? "InvalidMatFile" : "MatFileUnreadable";
        return new ErrorRecord(e, id, category, file);
    }

    /// <summary>Loads the configuration file, or the defaults when <paramref name="path"/> is null.</summary>
    protected PipelineConfig LoadConfig(string? path)
    {
        if (path is null) return new PipelineConfig();
        string resolved = ResolvePath(path);
        try
        {
            return ConfigLoader.LoadFile(resolved);
        }
        catch (ConfigException e)
        {
            ThrowTerminatingError(ConfigError(e, resolved));
            throw; // not reached: ThrowTerminatingError always throws
        }
    }

    internal static ErrorRecord ConfigError(ConfigException e, string path)
    {
        var category = File.Exists(path) ? ErrorCategory.InvalidData : ErrorCategory.ObjectNotFound;
        var record = new ErrorRecord(e, "InvalidConfiguration", category, path);
        record.ErrorDetails = new ErrorDetails(e.Message)
        {
            RecommendedAction = "Fix the key named in the message, or run New-TrainingConfig -Path <file> to see every key with its default.",
        };
        return record;
    }

    /// <summary>Makes libtorch loadable or stops the cmdlet with an error that says how to fix it.</summary>
    protected void EnsureTorch()
    {
        try
        {
            TorchRuntime.EnsureLoaded();
        }
        catch (TorchUnavailableException e)
        {
            var record = new ErrorRecord(e, "TorchUnavailable", ErrorCategory.ResourceUnavailable, null)
            {
                ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = TorchRuntime.FixCommand },
            };
            ThrowTerminatingError(record);
        }
    }

    /// <summary>Stops the cmdlet with an ErrorRecord for an invalid argument.</summary>
    protected void ThrowArgumentError(Exception e, string errorId, object? target) =>
        ThrowTerminatingError(new ErrorRecord(e, errorId, ErrorCategory.InvalidArgument, target));
}
