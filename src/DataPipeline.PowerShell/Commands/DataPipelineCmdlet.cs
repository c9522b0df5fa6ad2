using System.Collections.ObjectModel;
using System.Management.Automation;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Inference;
using DataPipeline.Engine.Models;
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

    /// <summary>Parameter sets of the cmdlets that take -Path (wildcards) or -LiteralPath (as typed).</summary>
    protected const string PathSet = "Path", LiteralPathSet = "LiteralPath";

    /// <summary>True when the paths came as -LiteralPath (or by the PSPath of piped items): no wildcards.</summary>
    protected bool IsLiteral => IsBound("LiteralPath");

    /// <summary>
    /// The existing files and folders that <paramref name="paths"/> name: as typed when
    /// <paramref name="literal"/>, else with wildcards expanded, as built-in cmdlets resolve -Path
    /// and -LiteralPath. A path that matches nothing is an ItemNotFoundException error
    /// (non-terminating, the others go on; terminating when <paramref name="terminating"/>), never
    /// silence: "scan[1].mat" given to -Path is a pattern that matches scan1.mat only.
    /// <paramref name="notFoundId"/> keeps a cmdlet's established error id.
    /// </summary>
    protected IEnumerable<string> ResolveInputPaths(IEnumerable<string> paths, bool literal, bool terminating = false, string notFoundId = "PathNotFound")
    {
        foreach (string path in paths)
        {
            var found = new List<string>();
            try
            {
                if (literal)
                {
                    string full = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
                    if (File.Exists(full) || Directory.Exists(full)) found.Add(full);
                }
                else
                {
                    found.AddRange(SessionState.Path.GetResolvedProviderPathFromPSPath(path, out _));
                }
            }
            catch (ItemNotFoundException)
            {
                // Reported below, with what to do.
            }
            if (found.Count == 0)
            {
                var record = PathNotFound(path, literal, notFoundId);
                if (terminating) ThrowTerminatingError(record);
                WriteError(record);
            }
            foreach (string item in found) yield return item;
        }
    }

    /// <summary>
    /// The file or folder to write: -LiteralPath as typed; a -Path with wildcards must match exactly
    /// one existing item, as Out-File's and Export-Csv's -Path do.
    /// </summary>
    protected string ResolveOutputPath(string path, bool literal)
    {
        if (literal || !WildcardPattern.ContainsWildcardCharacters(path)) return ResolvePath(path);
        var found = ResolveInputPaths([path], literal: false, terminating: true).ToList();
        if (found.Count > 1)
            ThrowTerminatingError(new ErrorRecord(
                new ArgumentException($"-Path '{path}' matches {found.Count} items; name one file, or use -LiteralPath for a name that holds [ ] or *."),
                "AmbiguousPath", ErrorCategory.InvalidArgument, path));
        return found[0];
    }

    private ErrorRecord PathNotFound(string path, bool literal, string errorId)
    {
        bool pattern = !literal && WildcardPattern.ContainsWildcardCharacters(path);
        // The full path names the file that is missing; a pattern is shown as typed.
        string target = pattern ? path : ResolvePath(path);
        string advice = pattern ? " -Path treats [ ] * ? as wildcards; for a name that holds them, use -LiteralPath." : "";
        return new ErrorRecord(new ItemNotFoundException($"Cannot find path '{target}' because it does not exist.{advice}"),
            errorId, ErrorCategory.ObjectNotFound, target);
    }

    /// <summary>Emits the written file or folder as Get-Item gives it (with PSPath, PSParentPath, ...), so it formats like Get-Item's.</summary>
    protected void WriteItem(string path) =>
        WriteObject(InvokeProvider.Item.Get([path], true, true), enumerateCollection: true);

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
    /// <summary>
    /// The full path of a -LogPath, checked to be appendable: found out before training, not when the
    /// first line of an hour-long run is written. Null stays null.
    /// </summary>
    protected string? ResolveLogPath(string? logPath)
    {
        if (logPath is null) return null;
        string path = ResolvePath(logPath);
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            using (new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(new ErrorRecord(
                new IOException($"Cannot append to the log {path}: {e.Message} Choose a -LogPath in a folder you can write to.", e),
                "LogNotWritable", ErrorCategory.WriteError, path));
        }
        return path;
    }

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

    /// <summary>
    /// The model of a prediction cmdlet: -Model as given (warning when it is untrained), or the one
    /// saved in the -Checkpoint file.
    /// </summary>
    protected UNetModel ResolveModel(UNetModel? model, string? checkpoint)
    {
        if (checkpoint is null)
        {
            if (model!.CheckpointPath is null)
                WriteWarning("The model has no checkpoint: its predictions come from untrained weights.");
            return model;
        }
        string path = ResolvePath(checkpoint);
        try
        {
            return UNetModel.Load(path);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or System.Text.Json.JsonException)
        {
            ThrowTerminatingError(new ErrorRecord(e, "InvalidCheckpoint",
                File.Exists(path) ? ErrorCategory.InvalidData : ErrorCategory.ObjectNotFound, path));
            throw; // not reached: ThrowTerminatingError always throws
        }
    }

    /// <summary>
    /// A predictor for <paramref name="model"/> on <paramref name="device"/>, tiling frames larger
    /// than <paramref name="window"/> (default: the model's training frames) with
    /// <paramref name="overlap"/> (default: the model's evaluation.window_overlap).
    /// </summary>
    protected Predictor CreatePredictor(UNetModel model, string device, int[]? window, double? overlap, int batchSize)
    {
        if (overlap is { } o && o >= 1 && o != Math.Floor(o))
            ThrowArgumentError(new ArgumentException(
                $"-Overlap {o} is neither a fraction of the window in [0, 1) nor a whole number of pixels; use, for example, 0.25 or 16."), "InvalidOverlap", o);
        double used = overlap ?? model.Config.Evaluation.WindowOverlap;
        Predictor? predictor = null;
        try
        {
            predictor = new Predictor(model, device, window: window, overlap: used, batchSize: batchSize);
        }
        catch (ArgumentException e)
        {
            // The engine names the window or overlap when they are at fault; otherwise the device is.
            ThrowArgumentError(e, "InvalidPredictionSettings", e.ParamName is null ? device : (object?)window ?? used);
        }
        if (predictor!.Window is { } tiles)
            WriteVerbose($"Frames larger than [{string.Join("x", tiles.Window)}] are predicted in tiles with overlap {tiles.Overlap}.");
        return predictor;
    }
}
