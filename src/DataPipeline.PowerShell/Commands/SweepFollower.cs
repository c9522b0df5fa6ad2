using System.Collections;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using DataPipeline.Engine.Sweeps;

namespace DataPipeline.PowerShell.Commands;

/// <summary>
/// Runs combinations of a sweep folder in other processes (Slurm array tasks, pwsh on remote
/// hosts) and, while they train, reads their state from the folder every couple of seconds: a
/// progress bar per combination and a verbose line whenever one changes state. It never learns
/// results from the scheduler or the remote side, only from the folder, as Get-TrainingSweep does.
/// </summary>
internal sealed class SweepFollower(PSCmdlet cmdlet, SweepManifest manifest, IReadOnlyList<int> indices, CancellationToken stop)
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(2);
    private readonly Dictionary<int, (SweepState State, int Epochs)> _seen = [];

    /// <summary>Submits the array job for the combinations and follows it until no task is pending or running.</summary>
    public void FollowSlurm(SlurmBackend slurm, string name)
    {
        string script = slurm.WriteScript(manifest, indices, name);
        string job = Guard(() => SlurmBackend.Submit(script), script);
        cmdlet.WriteVerbose($"Submitted {script} as Slurm job {job} ({indices.Count} task(s)).");
        while (Guard(() => SlurmBackend.Active(job), script))
        {
            Report();
            if (stop.WaitHandle.WaitOne(Poll))
            {
                // Ctrl+C: cancel the tasks; each combination resumes from its last epoch next time.
                SlurmBackend.Cancel(job);
                cmdlet.WriteWarning($"Cancelled Slurm job {job}; run the same Invoke-TrainingSweep again to resume it.");
                return;
            }
        }
        Report();
        foreach (int i in indices)
            if (SweepRunner.Inspect(manifest, i).State is SweepState.Pending or SweepState.Interrupted)
                cmdlet.WriteWarning($"Combination {i + 1} did not finish in job {job}: {SlurmBackend.Describe(job)}; see {System.IO.Path.Combine(manifest.Folder, "slurm")}.");
        Complete();
    }

    /// <summary>
    /// Runs the combinations over PowerShell remoting: one remote job per host, which starts
    /// <paramref name="gpusPerHost"/> pwsh processes side by side (each with its own
    /// CUDA_VISIBLE_DEVICES) that take the host's share of the combinations one after another.
    /// </summary>
    public void FollowSsh(PSSession[]? sessions, string[]? hostNames, Hashtable? sshOptions, int gpusPerHost, string module)
    {
        bool own = sessions is null;
        if (sessions is null)
        {
            if (hostNames is null)
                cmdlet.ThrowTerminatingError(new ErrorRecord(new ArgumentException("-Backend Ssh needs -HostName or -Session."),
                    "SshNeedsHosts", ErrorCategory.InvalidArgument, null));
            try
            {
                sessions = Invoke(OpenSessions, hostNames!, sshOptions).Select(o => (PSSession)o.BaseObject).ToArray();
            }
            catch (RuntimeException e)
            {
                cmdlet.ThrowTerminatingError(new ErrorRecord(e, "SshConnectionFailed", ErrorCategory.ConnectionError, hostNames)
                {
                    ErrorDetails = new ErrorDetails($"Could not open PowerShell sessions over SSH to {string.Join(", ", hostNames!)}: {e.Message}")
                    {
                        RecommendedAction = "Check that each host runs sshd with 'Subsystem powershell' and accepts your key (ssh <host> works without a prompt); pass -SshOption for the port, key or known_hosts.",
                    },
                });
                throw;
            }
        }
        try
        {
            int lanes = sessions.Length * gpusPerHost;
            // Combination k of the list goes to lane k mod lanes: host k mod hosts, GPU (k / hosts) mod gpusPerHost.
            var perHost = sessions.Select((_, h) => Enumerable.Range(0, gpusPerHost).Select(g => (object)new Hashtable
            {
                ["Devices"] = g.ToString(CultureInfo.InvariantCulture),
                ["Indices"] = indices.Where((_, k) => k % lanes == g * sessions.Length + h).ToArray(),
                ["Runner"] = manifest.RunnerPath,
                ["Module"] = module,
            }).ToArray()).ToArray();
            var jobs = Invoke(StartRemote, sessions, perHost).Select(o => (Job)o.BaseObject).ToList();
            cmdlet.WriteVerbose($"Started {indices.Count} combination(s) on {string.Join(", ", sessions.Select(s => s.ComputerName))}, {gpusPerHost} process(es) per host.");
            while (jobs.Any(j => !IsFinished(j)))
            {
                Report();
                if (stop.WaitHandle.WaitOne(Poll))
                {
                    foreach (var job in jobs) job.StopJob();
                    cmdlet.WriteWarning("Stopped the remote runs; run the same Invoke-TrainingSweep again to resume them.");
                    return;
                }
            }
            Report();
            foreach (var item in Invoke(ReceiveRemote, jobs))
            {
                if (item.BaseObject is ErrorRecord error) cmdlet.WriteError(error);
                else if (item.Properties["ExitCode"]?.Value is int code && code != 0)
                    // A remote failure the folder may not show (the host could not see it, pwsh missing there).
                    cmdlet.WriteWarning($"Combination {Convert.ToInt32(item.Properties["Index"].Value, CultureInfo.InvariantCulture) + 1} on {item.Properties["Host"].Value} exited with {code}: {item.Properties["Output"].Value}");
            }
            Complete();
        }
        finally
        {
            if (own) Invoke("param($s) Remove-PSSession -Session $s", sessions);
        }
    }

    private const string OpenSessions = """
        param($HostName, $Options)
        foreach ($name in $HostName) {
            if ($Options) { New-PSSession -HostName $name -Options $Options -ErrorAction Stop }
            else { New-PSSession -HostName $name -ErrorAction Stop }
        }
        """;

    // One job per host; on the host, its lanes run side by side, each running its combinations in
    // turn, each in a fresh pwsh (one libtorch per process, one GPU per process).
    private const string StartRemote = """
        param($Sessions, $PerHost)
        for ($h = 0; $h -lt $Sessions.Count; $h++) {
            Invoke-Command -Session $Sessions[$h] -AsJob -ArgumentList (, $PerHost[$h]) -ScriptBlock {
                param($Lanes)
                $Lanes | ForEach-Object -ThrottleLimit 64 -Parallel {
                    $lane = $_
                    foreach ($index in $lane.Indices) {
                        $output = & pwsh -NoProfile -File $lane.Runner -Index $index -Module $lane.Module -VisibleDevices $lane.Devices 2>&1 | Out-String
                        [pscustomobject]@{ Index = $index; Host = [Environment]::MachineName; ExitCode = $LASTEXITCODE; Output = $output }
                    }
                }
            }
        }
        """;

    private const string ReceiveRemote = "param($Jobs) Receive-Job -Job $Jobs -Wait -AutoRemoveJob 2>&1";

    private IEnumerable<PSObject> Invoke(string script, params object?[] arguments) =>
        cmdlet.InvokeCommand.InvokeScript(false, ScriptBlock.Create(script), null, arguments);

    private static bool IsFinished(Job job) => job.JobStateInfo.State is JobState.Completed or JobState.Failed or JobState.Stopped;

    private T Guard<T>(Func<T> call, string script)
    {
        try
        {
            return call();
        }
        catch (SlurmException e)
        {
            cmdlet.ThrowTerminatingError(new ErrorRecord(e, "SlurmFailed", ErrorCategory.ResourceUnavailable, script));
            throw;
        }
    }

    /// <summary>A progress bar per combination, and a verbose line for each change of state or epoch.</summary>
    private void Report()
    {
        foreach (int i in indices)
        {
            var outcome = SweepRunner.Inspect(manifest, i);
            int epochs = outcome.Run?.EpochsCompleted ?? 0;
            if (_seen.TryGetValue(i, out var seen) && seen == (outcome.State, epochs)) continue;
            _seen[i] = (outcome.State, epochs);
            string description = SweepManifest.Describe(outcome.Combination.Parameters);
            string best = outcome.Run is { BestEpoch: > 0 } run ? FormattableString.Invariant($", {run.Monitor} {run.BestValue:G5}") : "";
            cmdlet.WriteVerbose($"combination {i + 1} ({description}): {outcome.State}, {epochs} of {outcome.TargetEpochs} epoch(s){best}");
            cmdlet.WriteProgress(new ProgressRecord(1 + i, $"Sweep {i + 1} of {manifest.Combinations.Count}: {description}", $"{outcome.State}, epoch {epochs} of {outcome.TargetEpochs}")
            {
                PercentComplete = outcome.TargetEpochs == 0 ? 0 : Math.Min(100, 100 * epochs / outcome.TargetEpochs),
            });
        }
    }

    private void Complete()
    {
        foreach (int i in indices)
            cmdlet.WriteProgress(new ProgressRecord(1 + i, $"Sweep {i + 1} of {manifest.Combinations.Count}", "done") { RecordType = ProgressRecordType.Completed });
    }
}
