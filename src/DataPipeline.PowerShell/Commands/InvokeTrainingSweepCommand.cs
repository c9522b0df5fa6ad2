using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Sweeps;
using DataPipeline.Engine.Training;
using DataPipeline.PowerShell.Completion;

namespace DataPipeline.PowerShell.Commands;

/// <summary>Where a sweep's combinations train.</summary>
public enum SweepBackend
{
    /// <summary>In this process, -ThrottleLimit at once on threads sharing the cores.</summary>
    Local,
    /// <summary>As one Slurm job array, -ThrottleLimit tasks at once.</summary>
    Slurm,
    /// <summary>In pwsh processes on the hosts of -HostName or -Session, -GpusPerHost per host.</summary>
    Ssh,
}

/// <summary>
/// Trains one U-Net per combination of the given configuration values, on the frames from the
/// pipeline (written once to the sweep folder's frames.h5) or, with none piped in, on frames each
/// combination simulates from its [simulation] section. The sweep folder (-Path) holds a manifest
/// and one self-contained folder per combination, so the combinations can train here (Local), as
/// a Slurm job array, or on other hosts over SSH, and re-running the same sweep skips what is done,
/// resumes what was interrupted and retries what failed once. -Strategy Random and Halving train
/// fewer. Emits a SweepRun per combination in their order, and writes report.html, report.csv and report.json into the sweep folder.
/// </summary>
// Existing is the default: -Path alone resumes a sweep, and -Parameter (in New only) picks New.
[Cmdlet(VerbsLifecycle.Invoke, "TrainingSweep", DefaultParameterSetName = ExistingSet)]
[OutputType(typeof(SweepRun), typeof(FileInfo))]
public sealed class InvokeTrainingSweepCommand : DataPipelineCmdlet
{
    private const string NewSet = "New", ExistingSet = "Existing";
    private readonly List<Frame> _frames = [];
    private TrainingSession? _session;
    private readonly CancellationTokenSource _stop = new();

    /// <summary>The frames every combination trains on; without them each combination simulates its own.</summary>
    [Parameter(ValueFromPipeline = true, ParameterSetName = NewSet)]
    public Frame[] InputObject { get; set; } = [];

    /// <summary>The base configuration that every combination starts from.</summary>
    [Parameter(Position = 0, ParameterSetName = NewSet)]
    public string? Config { get; set; }

    /// <summary>@{ 'training.learning_rate' = 1e-3, 3e-4; 'model.filters' = 16, 32 }</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = NewSet)]
    [ArgumentCompleter(typeof(ConfigKeyCompleter))]
    public Hashtable Parameter { get; set; } = [];

    /// <summary>Folder under which a new sweep folder (sweep-&lt;time&gt;) goes when -Path is not given.</summary>
    [Parameter(ParameterSetName = NewSet)]
    public string? OutputDirectory { get; set; }

    /// <summary>The sweep folder: new, or one an earlier sweep wrote, which is then resumed.</summary>
    [Parameter(ParameterSetName = NewSet)]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ExistingSet)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Trains only these combinations (0-based), here: what runner.ps1 runs in a Slurm task or on a remote host.</summary>
    [Parameter(ParameterSetName = ExistingSet)]
    [ValidateRange(0, int.MaxValue)]
    public int[]? Index { get; set; }

    /// <summary>Grid (every combination), Random (-Trials of them) or Halving (successive halving).</summary>
    [Parameter(ParameterSetName = NewSet)]
    public SweepStrategy Strategy { get; set; } = SweepStrategy.Grid;

    /// <summary>Combinations a Random sweep draws from the grid (seeded by training.seed).</summary>
    [Parameter(ParameterSetName = NewSet)]
    [ValidateRange(1, int.MaxValue)]
    public int Trials { get; set; }

    /// <summary>Halving's reduction factor: the best 1/Eta of each rung go on with Eta times the epochs.</summary>
    [Parameter(ParameterSetName = NewSet)]
    [ValidateRange(2, 16)]
    public int Eta { get; set; } = 2;

    [Parameter]
    public SweepBackend Backend { get; set; } = SweepBackend.Local;

    /// <summary>A file that also gets every line of every run's run.log, appended (Local backend).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? LogPath { get; set; }

    /// <summary>Combinations trained at once (Local threads, Slurm array tasks).</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = 1;

    /// <summary>Slurm: -Submit:$false writes the array job script and returns it, for submitting by hand.</summary>
    [Parameter]
    public SwitchParameter Submit { get; set; } = true;

    /// <summary>Slurm: --partition.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Partition { get; set; }

    /// <summary>Slurm: --time of each task (e.g. 04:00:00).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TimeLimit { get; set; }

    /// <summary>Slurm: extra #SBATCH lines (--account=lab, --mem=16G).</summary>
    [Parameter]
    public string[] SlurmDirective { get; set; } = [];

    /// <summary>Ssh: the hosts (PowerShell remoting over SSH); the sweep folder must be on a path they all see.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? HostName { get; set; }

    /// <summary>Ssh: open sessions to use instead of -HostName.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public PSSession[]? Session { get; set; }

    /// <summary>Ssh: options for New-PSSession -HostName (Port, IdentityFile, User, UserKnownHostsFile as ssh -o takes them).</summary>
    [Parameter]
    public Hashtable? SshOption { get; set; }

    /// <summary>Ssh: processes per host, the k-th seeing only GPU k (CUDA_VISIBLE_DEVICES).</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int GpusPerHost { get; set; } = 1;

    protected override void ProcessRecord() => _frames.AddRange(InputObject);

    protected override void EndProcessing()
    {
        var manifest = ParameterSetName == ExistingSet ? LoadManifest() : CreateManifest();
        if (Index is not null)
        {
            if (Index.FirstOrDefault(i => i >= manifest.Combinations.Count, -1) is var outside and >= 0)
                ThrowTerminatingError(new ErrorRecord(new ArgumentOutOfRangeException(nameof(Index), outside,
                    $"-Index {outside} is not a combination of {manifest.Folder}: it has {manifest.Combinations.Count}, numbered 0 to {manifest.Combinations.Count - 1}."),
                    "SweepIndexOutOfRange", ErrorCategory.InvalidArgument, outside));
            RunLocal(manifest, Index);
            foreach (int i in Index) Emit(manifest, i);
            return;
        }
        if (Backend == SweepBackend.Slurm && !Submit)
        {
            if (manifest.Strategy == SweepStrategy.Halving)
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("-Strategy Halving chooses each rung from the results of the last, so it needs -Submit; use Grid or Random to only write the script."),
                    "HalvingNeedsSubmit", ErrorCategory.InvalidArgument, Strategy));
            WriteItem(Slurm(manifest).WriteScript(manifest, AllIndices(manifest), "sweep"));
            return;
        }

        EnsureTorch();
        if (manifest.Strategy == SweepStrategy.Halving)
            SuccessiveHalving.Run(manifest, (indices, name) => Dispatch(manifest, indices, name), WriteVerbose, _stop.Token);
        else Dispatch(manifest, AllIndices(manifest), "sweep");
        if (_stop.IsCancellationRequested) return;

        var outcomes = manifest.Combinations.Select(c => SweepRunner.Inspect(manifest, c.Index)).ToList();
        foreach (var outcome in outcomes) Emit(outcome, manifest.Combinations.Count);
        var files = SweepReport.Write(manifest, outcomes);
        WriteVerbose($"Sweep report: {string.Join(", ", files)}");
    }

    protected override void StopProcessing()
    {
        _stop.Cancel();
        _session?.Stop();
    }

    private static int[] AllIndices(SweepManifest manifest) => manifest.Combinations.Select(c => c.Index).ToArray();

    private void Dispatch(SweepManifest manifest, IReadOnlyList<int> all, string name)
    {
        // Re-running a sweep starts nothing for what is done: no task, no process.
        var indices = all.Where(i => SweepRunner.NeedsTraining(manifest, i)).ToList();
        if (indices.Count < all.Count)
            WriteVerbose($"{all.Count - indices.Count} of {all.Count} combination(s) already done (or failed twice); {indices.Count} to train.");
        if (indices.Count == 0) return;
        switch (Backend)
        {
            case SweepBackend.Local:
                RunLocal(manifest, indices);
                break;
            case SweepBackend.Slurm:
                new SweepFollower(this, manifest, indices, _stop.Token).FollowSlurm(Slurm(manifest), name);
                break;
            case SweepBackend.Ssh:
                new SweepFollower(this, manifest, indices, _stop.Token).FollowSsh(Session, HostName, SshOption, GpusPerHost, ModulePath());
                break;
        }
    }

    /// <summary>Trains <paramref name="indices"/> in this process, -ThrottleLimit at once, sharing the cores.</summary>
    private void RunLocal(SweepManifest manifest, IReadOnlyList<int> indices)
    {
        EnsureTorch();
        // By the limit, not by what is left: a resumed sweep trains with the threads it started with.
        int threads = SweepRunner.SharedThreads(ThrottleLimit, Environment.ProcessorCount);
        if (threads > 0)
        {
            WriteVerbose($"Up to {ThrottleLimit} runs at once, each with {threads} thread(s): libtorch has one thread count per process.");
        }
        string? logPath = ResolveLogPath(LogPath);
        var jobs = indices.Select(i => new TrainingSession.Job<CombinationOutcome>(
            SweepRunner.Inspect(manifest, i).TargetEpochs,
            $"Sweep {i + 1} of {manifest.Combinations.Count}: {SweepManifest.Describe(manifest.Combinations[i].Parameters)}",
            (report, token) => SweepRunner.Run(manifest, i, report, token, threads, logPath))).ToList();
        _session = new TrainingSession(this);
        _session.RunAll(jobs, ThrottleLimit, (job, outcome) =>
        {
            var target = manifest.Combinations[indices[job]].Parameters;
            switch (outcome.Error)
            {
                case null:
                    break;
                case ConfigException e:
                    WriteError(new ErrorRecord(e, "InvalidSweepPoint", ErrorCategory.InvalidData, target));
                    break;
                case ArgumentException e:
                    WriteError(new ErrorRecord(e, "InvalidSweepPoint", ErrorCategory.InvalidArgument, target));
                    break;
                default:
                    // Unexpected: the runs still going stop after their current step, and the error ends the sweep.
                    _session.Stop();
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(outcome.Error);
                    break;
            }
        });
    }

    private void Emit(SweepManifest manifest, int index) => Emit(SweepRunner.Inspect(manifest, index), manifest.Combinations.Count);

    private void Emit(CombinationOutcome outcome, int of)
    {
        var result = SweepRun.From(outcome, of);
        if (result.Status == SweepState.Failed)
            WriteError(new ErrorRecord(new InvalidOperationException(result.Run?.Message), "TrainingFailed", ErrorCategory.InvalidResult, result));
        WriteObject(result);
    }

    private SlurmBackend Slurm(SweepManifest manifest)
    {
        var configs = manifest.Combinations.Select(c => ConfigLoader.LoadFile(c.ConfigPath)).ToList();
        return new SlurmBackend(new SlurmOptions(ThrottleLimit, configs.Max(c => Math.Max(1, c.Training.Threads)),
            configs.Any(c => c.Training.Device.StartsWith("cuda", StringComparison.OrdinalIgnoreCase)),
            Partition, TimeLimit, SlurmDirective, ModulePath()));
    }

    /// <summary>The manifest this module was imported from, so that every task imports the same build.</summary>
    private string ModulePath()
    {
        var module = MyInvocation.MyCommand.Module;
        if (module is null) return "DataPipeline";
        string manifest = System.IO.Path.Combine(module.ModuleBase, "DataPipeline.psd1");
        return File.Exists(manifest) ? manifest : module.Path;
    }

    private SweepManifest LoadManifest()
    {
        try
        {
            return SweepManifest.Load(ResolvePath(Path!));
        }
        catch (SweepFolderException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, "NotASweepFolder", ErrorCategory.ObjectNotFound, e.Folder));
            throw;
        }
    }

    private SweepManifest CreateManifest()
    {
        var baseConfig = LoadConfig(Config);
        TrainingSweep sweep;
        try
        {
            var axes = Parameter.Cast<DictionaryEntry>().Select(e => new KeyValuePair<string, IReadOnlyList<object>>(
                e.Key.ToString()!, ValuesOf(e.Value)));
            sweep = new TrainingSweep(baseConfig, axes, simulatesFrames: _frames.Count == 0);
            if (Strategy == SweepStrategy.Halving && Parameter.ContainsKey("training.epochs"))
                throw new SweepKeyException("training.epochs", "-Strategy Halving decides how many epochs each combination trains; set training.epochs in the configuration (the most any combination gets) instead of sweeping it.");
        }
        catch (SweepKeyException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, "SweepKeyNotApplicable", ErrorCategory.InvalidArgument, e.Key));
            throw;
        }
        catch (ConfigException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, "InvalidSweepParameter", ErrorCategory.InvalidArgument, e.Key));
            throw;
        }
        catch (ArgumentException e)
        {
            ThrowArgumentError(e, "InvalidSweepParameter", Parameter);
            throw;
        }
        if (Strategy == SweepStrategy.Random && !IsBound(nameof(Trials)))
            ThrowTerminatingError(new ErrorRecord(new ArgumentException("-Strategy Random needs -Trials: how many combinations to draw from the grid."),
                "RandomNeedsTrials", ErrorCategory.InvalidArgument, Strategy));
        var points = sweep.Points;
        if (Strategy == SweepStrategy.Random)
            points = SweepPlan.DrawTrials(points.Count, Trials, baseConfig.Training.Seed).Select(i => sweep.Points[i]).ToList();

        string folder = Path is not null
            ? ResolvePath(Path)
            : System.IO.Path.Combine(ResolvePath(OutputDirectory ?? baseConfig.Output.Directory), $"sweep-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}");
        WriteVerbose($"Sweep of {points.Count} run(s) over {string.Join(", ", Parameter.Keys.Cast<object>())} in {folder}" +
            (sweep.SimulatesFrames ? ", each on frames simulated from its [simulation] section." : $", on the {_frames.Count} frame(s) piped in (frames.h5)."));
        try
        {
            return SweepManifest.Create(folder, points, sweep.SimulatesFrames ? null : _frames, Strategy, Eta);
        }
        catch (SweepFolderException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, "SweepFolderInUse", ErrorCategory.ResourceExists, e.Folder));
            throw;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(FileError(e, folder));
            throw;
        }
    }

    /// <summary>A hashtable value is one value or a list of them (1e-3, 3e-4).</summary>
    private static IReadOnlyList<object> ValuesOf(object? value) => value switch
    {
        null => [],
        string s => [s],
        IEnumerable list => list.Cast<object>().Select(Unwrap).ToList(),
        _ => [Unwrap(value)],
    };

    private static object Unwrap(object value) => value is PSObject ps ? ps.BaseObject : value;
}
