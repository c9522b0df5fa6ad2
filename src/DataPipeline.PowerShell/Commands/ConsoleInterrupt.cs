namespace DataPipeline.PowerShell.Commands;

/// <summary>
/// Lets a long-running cmdlet see Ctrl+C as a key press instead of a pipeline stop, so it can
/// finish the current step and still emit its result. Only on an interactive console; elsewhere
/// (redirected input, CI, cron) Ctrl+C/SIGINT keeps its usual meaning and StopProcessing runs.
/// </summary>
internal sealed class ConsoleInterrupt : IDisposable
{
    private readonly bool _active;
    private readonly bool _previous;

    public ConsoleInterrupt()
    {
        try
        {
            if (Console.IsInputRedirected || !Environment.UserInteractive) return;
            _previous = Console.TreatControlCAsInput;
            Console.TreatControlCAsInput = true;
            _active = true;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or PlatformNotSupportedException)
        {
            _active = false;
        }
    }

    /// <summary>True once the user has pressed Ctrl+C; other keys are left alone.</summary>
    public bool Requested()
    {
        if (!_active) return false;
        try
        {
            while (Console.KeyAvailable)
            {
                var key = Console.ReadKey(intercept: true);
                if (key.Key == ConsoleKey.C && key.Modifiers.HasFlag(ConsoleModifiers.Control))
                    return true;
            }
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            return false;
        }
        return false;
    }

    public void Dispose()
    {
        if (!_active) return;
        try { Console.TreatControlCAsInput = _previous; }
        catch (Exception e) when (e is IOException or InvalidOperationException) { }
    }
}
