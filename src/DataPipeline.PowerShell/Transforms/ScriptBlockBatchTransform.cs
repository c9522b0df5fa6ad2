using System.Management.Automation;
using System.Management.Automation.Runspaces;
using DataPipeline.Engine.Batching;

namespace DataPipeline.PowerShell.Transforms;

/// <summary>
/// New-BatchGenerator -Transform { param($batch, $random) ... }: the script block run on every batch
/// by the prefetch worker that built it.
/// </summary>
/// <remarks>
/// A script block may run only in a runspace, and one runspace runs one pipeline at a time, so the
/// workers cannot share the caller's (it is busy training, and its script blocks are bound to its
/// thread). The transform gets a runspace pool of its own, one runspace per worker, with the script
/// defined there as a function (parsed and compiled once per runspace, not per batch). The pool's
/// runspaces run on the thread that asks (UseCurrentThread), so the transform really runs on the
/// worker, in parallel. The script sees its arguments, not the caller's variables. Errors stop it
/// (ErrorActionPreference = Stop), and the first one fails the batch.
/// </remarks>
internal sealed class ScriptBlockBatchTransform : IBatchTransform, IDisposable
{
    private const string Function = "Invoke-DataPipelineBatchTransform";
    private readonly RunspacePool _pool;

    public ScriptBlockBatchTransform(ScriptBlock script, int workers)
    {
        ArgumentNullException.ThrowIfNull(script);
        Script = script.ToString();
        var state = InitialSessionState.CreateDefault2();
        state.Commands.Add(new SessionStateFunctionEntry(Function, Script));
        state.Variables.Add(new SessionStateVariableEntry("ErrorActionPreference", ActionPreference.Stop, "A transform that writes an error fails its batch."));
        // Get-Batch and a training loop may ask at once beside the workers: one more runspace than workers.
        // No host: a worker thread must not write to the caller's console while it renders progress.
        _pool = RunspaceFactory.CreateRunspacePool(state);
        _pool.SetMaxRunspaces(Math.Max(1, workers) + 1);
        _pool.ThreadOptions = PSThreadOptions.UseCurrentThread;
        _pool.Open();
    }

    /// <summary>The transform's script, as given.</summary>
    public string Script { get; }

    public void Apply(Batch batch, Random random)
    {
        using var shell = System.Management.Automation.PowerShell.Create();
        shell.RunspacePool = _pool;
        shell.AddCommand(Function).AddArgument(batch).AddArgument(random);
        try
        {
            shell.Invoke();
        }
        catch (RuntimeException e)
        {
            // The script's own error, not PowerShell's wrapper of it.
            throw e.ErrorRecord?.Exception ?? e;
        }
        if (shell.Streams.Error.Count > 0)
            throw shell.Streams.Error[0].Exception;
    }

    public override string ToString() => $"{{ {Script.Trim()} }}";

    public void Dispose() => _pool.Dispose();
}
