using System.Collections;
using System.Management.Automation;
using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Training;
using DataPipeline.PowerShell.Completion;

namespace DataPipeline.PowerShell.Commands;

/// <summary>
/// Trains one U-Net per combination of the given configuration values on the frames from the
/// pipeline (or, with none piped in, on frames each combination simulates from its [simulation]
/// section), and emits a SweepRun (parameters, best monitored value, the TrainingRun) for each, in
/// the combinations' order. Every combination is checked before the first one trains; with
/// -ThrottleLimit several train at once, each on its own thread, sharing the cores equally.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "TrainingSweep")]
[OutputType(typeof(SweepRun))]
public sealed class InvokeTrainingSweepCommand : DataPipelineCmdlet
{
    private readonly List<Frame> _frames = [];
    private TrainingSession? _session;

    /// <summary>The frames every combination trains on; without them each combination simulates its own.</summary>
    [Parameter(ValueFromPipeline = true)]
    public Frame[] InputObject { get; set; } = [];

    /// <summary>The base configuration that every combination starts from.</summary>
    [Parameter(Position = 0)]
    public string? Config { get; set; }

    /// <summary>@{ 'training.learning_rate' = 1e-3, 3e-4; 'model.filters' = 16, 32 }</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ArgumentCompleter(typeof(ConfigKeyCompleter))]
    public Hashtable Parameter { get; set; } = [];

    /// <summary>Folder under which each run's checkpoints go.</summary>
    [Parameter]
    public string? OutputDirectory { get; set; }

    /// <summary>A file that also gets every line of every run's run.log, appended (as Invoke-UNetTraining -LogPath).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? LogPath { get; set; }

    /// <summary>Combinations trained at once.</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = 1;

    protected override void ProcessRecord() => _frames.AddRange(InputObject);

    protected override void EndProcessing()
    {
        var baseConfig = LoadConfig(Config);
        TrainingSweep sweep;
        try
        {
            var axes = Parameter.Cast<DictionaryEntry>().Select(e => new KeyValuePair<string, IReadOnlyList<object>>(
                e.Key.ToString()!, ValuesOf(e.Value)));
            sweep = new TrainingSweep(baseConfig, axes, simulatesFrames: _frames.Count == 0);
        }
        catch (SweepKeyException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, "SweepKeyNotApplicable", ErrorCategory.InvalidArgument, e.Key));
            return;
        }
        catch (ConfigException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, "InvalidSweepParameter", ErrorCategory.InvalidArgument, e.Key));
            return;
        }
        catch (ArgumentException e)
        {
            ThrowArgumentError(e, "InvalidSweepParameter", Parameter);
            return;
        }
        EnsureTorch();
        WriteVerbose($"Sweep of {sweep.Points.Count} run(s) over {string.Join(", ", Parameter.Keys.Cast<object>())}" +
            (sweep.SimulatesFrames ? ", each on frames simulated from its [simulation] section." : $", on the {_frames.Count} frame(s) piped in."));

        int changed = sweep.ShareThreads(ThrottleLimit, Environment.ProcessorCount);
        if (ThrottleLimit > 1)
            WriteVerbose($"Up to {ThrottleLimit} runs at once, each with {sweep.ThreadsPerRun} thread(s) (training.threads changed in {changed} of {sweep.Points.Count} combination(s)): libtorch has one thread count per process.");

        string? logPath = ResolveLogPath(LogPath);
        var jobs = new List<TrainingSession.Job<TrainingRun>>();
        var points = new List<int>();
        for (int i = 0; i < sweep.Points.Count; i++)
        {
            var (parameters, config) = sweep.Points[i];
            string output = ResolvePath(OutputDirectory ?? config.Output.Directory);
            BatchGenerator? generator = null;
            if (!sweep.SimulatesFrames)
            {
                try
                {
                    generator = new BatchGenerator(_frames, config.Batch, config.Augment);
                }
                catch (ArgumentException e)
                {
                    WriteError(new ErrorRecord(e, "InvalidSweepPoint", ErrorCategory.InvalidArgument, parameters));
                    continue;
                }
            }
            var trainer = new Trainer(config) { LogCopyPath = logPath };
            string label = $"Sweep {i + 1} of {sweep.Points.Count}: " + string.Join(", ", parameters.Select(p => $"{p.Key}={p.Value}"));
            // Simulated frames are made when the combination starts, so only the runs in progress hold theirs.
            jobs.Add(new(config.Training.Epochs, label, (report, token) => trainer.Run(
                generator ?? new BatchGenerator(TrainingSweep.Simulate(config, token), config.Batch, config.Augment), output, report, token)));
            points.Add(i);
        }

        _session = new TrainingSession(this);
        _session.RunAll(jobs, ThrottleLimit, (job, outcome) =>
        {
            int i = points[job];
            switch (outcome.Error)
            {
                case null:
                    var result = sweep.Result(i, outcome.Result!);
                    if (result.Status == TrainingStatus.Failed)
                        WriteError(new ErrorRecord(new InvalidOperationException(result.Run.Message), "TrainingFailed", ErrorCategory.InvalidResult, result));
                    WriteObject(result);
                    break;
                case ArgumentException e:
                    WriteError(new ErrorRecord(e, "InvalidSweepPoint", ErrorCategory.InvalidArgument, sweep.Points[i].Parameters));
                    break;
                case ConfigException e:
                    WriteError(new ErrorRecord(e, "InvalidSweepPoint", ErrorCategory.InvalidData, sweep.Points[i].Parameters));
                    break;
                default:
                    // Unexpected: the runs still going stop after their current step, and the error ends the sweep.
                    _session.Stop();
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(outcome.Error);
                    break;
            }
        });
    }

    protected override void StopProcessing() => _session?.Stop();

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
