using System.Management.Automation;

namespace DataPipeline.Host;

/// <summary>
/// Ctrl+C stops the running pipeline rather than killing the process, so finally blocks and cmdlet
/// cleanup run; a second Ctrl+C during the same command exits at once with 130 (128 + SIGINT).
/// </summary>
internal sealed class InterruptHandler
{
    private readonly Lock _sync = new();
    private System.Management.Automation.PowerShell? _running;
    private bool _stopRequested;

    /// <summary>Marks <paramref name="powerShell"/> as the command Ctrl+C should stop until disposed.</summary>
    public IDisposable Track(System.Management.Automation.PowerShell powerShell)
    {
        lock (_sync)
        {
            _running = powerShell;
            _stopRequested = false;
        }

        return new Tracking(this);
    }

    public void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        lock (_sync)
        {
            if (_running is null)
            {
                // Nothing to stop: at the interactive prompt Ctrl+C is ignored, as in pwsh.
                e.Cancel = true;
                return;
            }

            if (_stopRequested)
            {
                Environment.Exit(ExitCodes.Interrupted);
            }

            e.Cancel = true;
            _stopRequested = true;
            // BeginStop: stopping waits for the pipeline, and this handler runs on a signal thread.
            _running.BeginStop(null, null);
        }
    }

    private void Release()
    {
        lock (_sync)
        {
            _running = null;
        }
    }

    private sealed class Tracking(InterruptHandler owner) : IDisposable
    {
        public void Dispose() => owner.Release();
    }
}
