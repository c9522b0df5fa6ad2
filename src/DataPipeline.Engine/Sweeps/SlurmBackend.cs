using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace DataPipeline.Engine.Sweeps;

/// <summary>What goes into a sweep's array job script besides the array itself.</summary>
/// <param name="ThrottleLimit">Array tasks running at once (the %M of --array).</param>
/// <param name="CpusPerTask">--cpus-per-task: each task's training.threads.</param>
/// <param name="Gpu">--gres=gpu:1, for training.device = cuda.</param>
/// <param name="Directives">Extra lines, with or without their "#SBATCH " (--account=lab, --mem=16G).</param>
/// <param name="Module">The module each task imports: a path all nodes see, or a name on their PSModulePath.</param>
public sealed record SlurmOptions(int ThrottleLimit, int CpusPerTask, bool Gpu, string? Partition, string? TimeLimit,
    IReadOnlyList<string> Directives, string Module, string Pwsh = "pwsh");

/// <summary>
/// Runs combinations of a sweep folder as one Slurm job array: writes the script (each task runs
/// runner.ps1, which trains combination $SLURM_ARRAY_TASK_ID), submits it with sbatch, and follows
/// it with squeue, which needs no accounting (sacct does). Results are read from the sweep folder,
/// never from Slurm, so a job that Slurm has already forgotten is no loss.
/// </summary>
public sealed class SlurmBackend(SlurmOptions options)
{
    /// <summary>Writes slurm/&lt;name&gt;.sbatch for the combinations <paramref name="indices"/>; returns its path.</summary>
    public string WriteScript(SweepManifest manifest, IReadOnlyList<int> indices, string name)
    {
        string directory = Path.Combine(manifest.Folder, "slurm");
        Directory.CreateDirectory(directory);
        var script = new StringBuilder();
        script.Append("#!/bin/bash\n");
        script.Append($"#SBATCH --job-name=sweep-{Path.GetFileName(manifest.Folder)}-{name}\n");
        script.Append(CultureInfo.InvariantCulture, $"#SBATCH --array={ArraySpec(indices)}%{options.ThrottleLimit}\n");
        script.Append(CultureInfo.InvariantCulture, $"#SBATCH --cpus-per-task={options.CpusPerTask}\n");
        script.Append("#SBATCH --ntasks=1\n");
        if (options.Gpu) script.Append("#SBATCH --gres=gpu:1\n");
        if (options.Partition is { } partition) script.Append($"#SBATCH --partition={partition}\n");
        if (options.TimeLimit is { } time) script.Append($"#SBATCH --time={time}\n");
        script.Append($"#SBATCH --output={Path.Combine(directory, "%A_%a.out")}\n");
        foreach (string line in options.Directives)
            script.Append(line.StartsWith("#SBATCH", StringComparison.Ordinal) ? line : "#SBATCH " + line.Trim()).Append('\n');
        script.Append("# Each task trains one combination of the sweep folder; re-submitting skips the finished ones.\n");
        script.Append($"exec {options.Pwsh} -NoProfile -File {Quote(manifest.RunnerPath)} -Index \"$SLURM_ARRAY_TASK_ID\" -Module {Quote(options.Module)}\n");
        string path = Path.Combine(directory, name + ".sbatch");
        File.WriteAllText(path, script.ToString());
        return path;
    }

    /// <summary>"0-3,6,8-9": the indices as --array ranges.</summary>
    public static string ArraySpec(IReadOnlyList<int> indices)
    {
        var parts = new List<string>();
        var sorted = indices.Order().ToList();
        for (int i = 0; i < sorted.Count;)
        {
            int j = i;
            while (j + 1 < sorted.Count && sorted[j + 1] == sorted[j] + 1) j++;
            parts.Add(j == i ? sorted[i].ToString(CultureInfo.InvariantCulture) : $"{sorted[i]}-{sorted[j]}");
            i = j + 1;
        }
        return string.Join(',', parts);
    }

    /// <summary>Submits <paramref name="script"/>; returns the job id.</summary>
    /// <exception cref="SlurmException">sbatch is missing or refused the script.</exception>
    public static string Submit(string script)
    {
        var (code, output, error) = Execute("sbatch", ["--parsable", script]);
        if (code != 0)
            throw new SlurmException($"sbatch refused {script} (exit {code}): {error.Trim()}");
        // --parsable prints "jobid" or "jobid;cluster".
        return output.Trim().Split(';')[0];
    }

    /// <summary>True while any task of job <paramref name="jobId"/> is pending or running, as squeue tells it.</summary>
    public static bool Active(string jobId)
    {
        var (code, output, error) = Execute("squeue", ["-h", "-r", "-j", jobId, "-o", "%T"]);
        if (code != 0)
        {
            // A job Slurm has already purged is "Invalid job id": it is done.
            if (error.Contains("Invalid job id", StringComparison.OrdinalIgnoreCase)) return false;
            throw new SlurmException($"squeue failed for job {jobId} (exit {code}): {error.Trim()}");
        }
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Any(state => state is "PENDING" or "RUNNING" or "CONFIGURING" or "COMPLETING" or "SUSPENDED" or "REQUEUED" or "RESIZING" or "SIGNALING" or "STAGE_OUT");
    }

    /// <summary>scontrol's one-line record of the job (its state and reason), for an error message.</summary>
    public static string Describe(string jobId)
    {
        var (code, output, _) = Execute("scontrol", ["-o", "show", "job", jobId]);
        return code == 0 ? output.Trim() : $"job {jobId} (no longer known to scontrol)";
    }

    /// <summary>scancel: the tasks get SIGTERM and die; their combinations resume on the next run.</summary>
    public static void Cancel(string jobId) => Execute("scancel", [jobId]);

    private static (int Code, string Output, string Error) Execute(string command, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        try
        {
            using var process = Process.Start(start)!;
            var error = process.StandardError.ReadToEndAsync();
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output, error.Result);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new SlurmException($"{command} could not be run ({e.Message}): the Slurm backend needs Slurm's client commands (sbatch, squeue, scontrol, scancel) on PATH. Use -Submit:$false to only write the script.");
        }
    }

    private static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}

/// <summary>Slurm could not be asked, or refused.</summary>
public sealed class SlurmException(string message) : InvalidOperationException(message);
