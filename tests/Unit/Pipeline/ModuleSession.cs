using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace DataPipeline.Tests.Pipeline;

/// <summary>
/// A real PowerShell engine in-process with the built DataPipeline module imported, as a user's
/// session would have it. Scripts run as typed; their output and error records come back.
/// </summary>
internal sealed class ModuleSession : IDisposable
{
    private readonly Runspace _runspace;

    public ModuleSession(string? workingDirectory = null)
    {
        var state = InitialSessionState.CreateDefault2();
        state.ImportPSModule(SharedPaths.ModuleManifest);
        _runspace = RunspaceFactory.CreateRunspace(state);
        _runspace.Open();
        if (workingDirectory is not null)
            _runspace.SessionStateProxy.Path.SetLocation(workingDirectory);
    }

    public sealed record Result(Collection<PSObject> Output, IReadOnlyList<ErrorRecord> Errors, Exception? Terminating,
        IReadOnlyList<ProgressRecord> Progress)
    {
        /// <summary>
        /// The error a user would see: a cmdlet's terminating error ends only its statement in a
        /// script, so it arrives in the error stream unless the script as a whole was stopped.
        /// </summary>
        public ErrorRecord Error => (Terminating as IContainsErrorRecord)?.ErrorRecord
            ?? Errors.FirstOrDefault()
            ?? throw new Xunit.Sdk.XunitException("The script raised no error.");
    }

    /// <summary>Runs <paramref name="script"/>; a terminating error is returned, not thrown.</summary>
    public Result Run(string script)
    {
        using var shell = System.Management.Automation.PowerShell.Create(_runspace);
        shell.AddScript(script);
        try
        {
            var output = shell.Invoke();
            return new Result(output, shell.Streams.Error.ToList(), null, shell.Streams.Progress.ToList());
        }
        catch (RuntimeException e)
        {
            return new Result([], shell.Streams.Error.ToList(), e, shell.Streams.Progress.ToList());
        }
    }

    /// <summary>Runs a script that must succeed without errors.</summary>
    public Collection<PSObject> Ok(string script)
    {
        var result = Run(script);
        if (result.Terminating is not null || result.Errors.Count > 0)
            throw new Xunit.Sdk.XunitException(
                $"Script failed: {result.Terminating?.Message ?? string.Join("; ", result.Errors.Select(e => e.ToString()))}\n{script}");
        return result.Output;
    }

    /// <summary>
    /// Runs a script that must succeed, handing each output object to <paramref name="onOutput"/>
    /// as it arrives and keeping none, for pipelines too large to collect.
    /// </summary>
    public void Stream(string script, Action<PSObject> onOutput)
    {
        using var shell = System.Management.Automation.PowerShell.Create(_runspace);
        shell.AddScript(script);
        using var output = new PSDataCollection<PSObject>();
        output.DataAdded += (_, e) =>
        {
            onOutput(output[e.Index]);
            output.Clear();
        };
        shell.Invoke(null, output);
        if (shell.Streams.Error.Count > 0)
            throw new Xunit.Sdk.XunitException($"Script failed: {string.Join("; ", shell.Streams.Error)}\n{script}");
    }

    public void Dispose() => _runspace.Dispose();
}
