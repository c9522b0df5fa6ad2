using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Training;

namespace DataPipeline.Engine.Sweeps;

/// <summary>What the last process of a combination left: its run (if any) and its state.</summary>
public sealed record CombinationOutcome(SweepCombination Combination, TrainingRun? Run, SweepState State, int TargetEpochs);

/// <summary>
/// Trains one combination of a sweep folder in this process, whichever backend started it, so that
/// Local, Slurm and Ssh give the same runs: the combination's config.toml, its frames (frames.h5 or
/// simulated), its folder. Idempotent: a combination that reached its target is not trained again,
/// an interrupted or stopped one resumes from last.ckpt (with a raised target it continues, which is
/// how Halving promotes), and a failed one is tried once more from scratch.
/// </summary>
public static class SweepRunner
{
    /// <summary>The run folders of a combination, oldest first (run ids start with their UTC start time).</summary>
    private static IEnumerable<string> RunFolders(SweepCombination combination) =>
        Directory.Exists(combination.Directory)
            // A run id is its start second plus a random suffix, so a retry started in the same second as
            // the run that failed can sort before it by name: within one second the folder changed last
            // (.NET gives Linux's ctime as the creation time) is the later run, the earlier one having ended.
            ? Directory.GetDirectories(combination.Directory)
                .OrderBy(d => StartSecond(Path.GetFileName(d)), StringComparer.Ordinal)
                .ThenBy(Directory.GetCreationTimeUtc)
                .ThenBy(d => d, StringComparer.Ordinal)
            : [];

    /// <summary>The yyyyMMdd-HHmmss start of a run id (the whole name when it is not one).</summary>
    private static string StartSecond(string runId) => runId.Length > 15 && runId[15] == '-' ? runId[..15] : runId;

    /// <summary>The combination's state as its files tell it, without training.</summary>
    public static CombinationOutcome Inspect(SweepManifest manifest, int index)
    {
        var combination = manifest.Combinations[index];
        var state = CombinationState.Read(combination.Directory);
        int target = state.TargetEpochs > 0 ? state.TargetEpochs : ConfigLoader.LoadFile(combination.ConfigPath).Training.Epochs;
        bool alive = state.Running && !state.ProcessGone();
        string? latest = RunFolders(combination).LastOrDefault();
        if (latest is null) return new(combination, null, alive ? SweepState.Running : SweepState.Pending, target);
        TrainingRun run;
        try
        {
            run = RunFolder.Load(latest);
        }
        catch (FileNotFoundException)
        {
            // A run folder with neither history nor checkpoint: its first epoch is under way, or its
            // process died in it (nothing to resume: the next run starts afresh).
            return new(combination, null, alive ? SweepState.Running : SweepState.Interrupted, target);
        }
        var sweepState = run.Status switch
        {
            TrainingStatus.Completed when run.EpochsCompleted >= target || EarlyStopped(run) => SweepState.Completed,
            TrainingStatus.Completed => SweepState.Stopped,
            TrainingStatus.Failed => SweepState.Failed,
            TrainingStatus.Stopped => SweepState.Stopped,
            _ => alive ? SweepState.Running : SweepState.Interrupted,
        };
        return new(combination, run, sweepState, target);
    }

    /// <summary>A run that ended before its planned epochs without a stop or error: early stopping decided it is done.</summary>
    private static bool EarlyStopped(TrainingRun run) => run.EpochsCompleted < run.EpochsPlanned;

    /// <summary>False when a run would return at once: the combination is done, or failed twice.</summary>
    public static bool NeedsTraining(SweepManifest manifest, int index)
    {
        var outcome = Inspect(manifest, index);
        return outcome.State switch
        {
            SweepState.Completed => false,
            SweepState.Failed => CombinationState.Read(outcome.Combination.Directory).Attempts < 2,
            _ => true,
        };
    }

    /// <summary>Raises (or sets) the epochs a combination is trained to; Halving's next rung.</summary>
    public static void SetTarget(SweepManifest manifest, int index, int epochs) =>
        (CombinationState.Read(manifest.Combinations[index].Directory) with { TargetEpochs = epochs }).Write(manifest.Combinations[index].Directory);

    /// <summary>
    /// The threads each of <paramref name="throttle"/> runs side by side in one process gets on
    /// <paramref name="cores"/> cores: max(1, cores / throttle). libtorch's thread count is one for
    /// the whole process (set_num_threads is global, TorchRuntimeTests shows it), so such runs cannot
    /// have counts of their own; 0 for one run at a time, which keeps its training.threads.
    /// </summary>
    public static int SharedThreads(int throttle, int cores)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(throttle, 1);
        return throttle == 1 ? 0 : Math.Max(1, cores / throttle);
    }

    /// <summary>
    /// Trains combination <paramref name="index"/> up to its target epochs (see the class), and
    /// returns what it left. <paramref name="threads"/> above 0 replaces training.threads (runs
    /// sharing one process share its cores).
    /// </summary>
    public static CombinationOutcome Run(SweepManifest manifest, int index, Action<TrainingProgress>? progress = null,
        CancellationToken cancellation = default, int threads = 0, string? logCopyPath = null)
    {
        var before = Inspect(manifest, index);
        var combination = before.Combination;
        var state = CombinationState.Read(combination.Directory);
        TrainingStart start;
        switch (before.State)
        {
            case SweepState.Completed:
            case SweepState.Failed when state.Attempts >= 2:
                return before;
            case SweepState.Failed:
            case SweepState.Pending:
                start = TrainingStart.Fresh;
                break;
            default:
                // Interrupted, stopped, or completed at a lower rung: go on from the last epoch kept.
                start = before.Run?.LastCheckpoint is { } last ? new TrainingStart(Resume: last) : TrainingStart.Fresh;
                break;
        }

        var config = ConfigLoader.LoadFile(combination.ConfigPath);
        config.Training.Epochs = before.TargetEpochs;
        if (threads > 0) config.Training.Threads = threads;
        (state with
        {
            TargetEpochs = before.TargetEpochs,
            Attempts = state.Attempts + (start.Resume is null ? 1 : 0),
            Running = true,
            Host = Environment.MachineName,
            Pid = Environment.ProcessId,
            Devices = Environment.GetEnvironmentVariable("CUDA_VISIBLE_DEVICES") ?? "",
        }).Write(combination.Directory);
        try
        {
            var frames = manifest.SimulatesFrames ? TrainingSweep.Simulate(config, cancellation) : ReadStore(manifest.StorePath);
            var generator = new BatchGenerator(frames, config.Batch, config.Augment);
            new Trainer(config) { LogCopyPath = logCopyPath }.Run(generator, combination.Directory, progress, cancellation, start);
        }
        finally
        {
            (CombinationState.Read(combination.Directory) with { Running = false }).Write(combination.Directory);
        }
        return Inspect(manifest, index);
    }

    private static List<Frame> ReadStore(string path)
    {
        using var store = FrameStoreReader.Open(path);
        return store.ReadAll().ToList();
    }
}
