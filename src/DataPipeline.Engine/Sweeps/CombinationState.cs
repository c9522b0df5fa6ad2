using System.Text.Json;
using DataPipeline.Engine.IO;

namespace DataPipeline.Engine.Sweeps;

/// <summary>Where a combination of a sweep stands.</summary>
public enum SweepState
{
    /// <summary>Never started.</summary>
    Pending,
    /// <summary>Training now (its process is alive, or on another host).</summary>
    Running,
    /// <summary>Its process died mid-run (killed job, lost host): the next run resumes it from last.ckpt.</summary>
    Interrupted,
    /// <summary>Stopped by Ctrl+C or scancel after a finished step: the next run resumes it.</summary>
    Stopped,
    /// <summary>Trained for its target epochs (or stopped early by early stopping).</summary>
    Completed,
    /// <summary>Ended by an error; the next run tries it once more, from scratch.</summary>
    Failed,
}

/// <summary>
/// runs/NNN/state.json: what the sweep asked of a combination (its target epochs, which Halving
/// raises rung by rung) and what its last process did (attempts, host, PID). Each combination's
/// file is written by one process at a time, so array tasks never contend for one manifest.
/// </summary>
public sealed record CombinationState
{
    public const string FileName = "state.json";

    public int TargetEpochs { get; init; }

    /// <summary>Fresh starts after a failure; a combination is tried at most twice.</summary>
    public int Attempts { get; init; }
    public bool Running { get; init; }
    public string Host { get; init; } = "";
    public int Pid { get; init; }

    /// <summary>CUDA_VISIBLE_DEVICES of the last process: which GPU(s) it was given.</summary>
    public string Devices { get; init; } = "";

    public static CombinationState Read(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) return new CombinationState();
        try
        {
            return JsonSerializer.Deserialize<CombinationState>(File.ReadAllText(path)) ?? new CombinationState();
        }
        catch (JsonException e)
        {
            throw new SweepFolderException(directory, $"{path} cannot be read ({e.Message}); delete it and re-run the sweep to start that combination again.");
        }
    }

    public void Write(string directory) =>
        AtomicFile.Write(Path.Combine(directory, FileName), path => File.WriteAllText(path, JsonSerializer.Serialize(this)));

    /// <summary>
    /// True when the process that said it is running is gone: on this host, when no process has
    /// its PID; a process on another host is taken as alive (the sweep that started it follows it).
    /// </summary>
    public bool ProcessGone()
    {
        if (!Running) return false;
        if (!string.Equals(Host, Environment.MachineName, StringComparison.OrdinalIgnoreCase)) return false;
        if (Pid == Environment.ProcessId) return false;
        // A killed process that its parent has not reaped yet (a zombie) is gone too; Process cannot tell.
        string stat = $"/proc/{Pid}/stat";
        if (OperatingSystem.IsLinux())
        {
            try
            {
                string text = File.ReadAllText(stat);
                return text[(text.LastIndexOf(')') + 2)..].StartsWith('Z');
            }
            catch (IOException)
            {
                return true;
            }
        }
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(Pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }
}
