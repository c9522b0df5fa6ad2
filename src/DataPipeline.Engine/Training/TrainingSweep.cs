using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Simulation;
using DataPipeline.Engine.Sweeps;

namespace DataPipeline.Engine.Training;

/// <summary>
/// One combination of a sweep: the values it set, where it stands, and the run they gave (none
/// while it is pending). Local, Slurm and Ssh sweeps, and Get-TrainingSweep, all give these.
/// </summary>
public sealed class SweepRun
{
    public SweepRun(int number, int of, IReadOnlyDictionary<string, object> parameters, TrainingRun? run, SweepState status, string folder)
    {
        Number = number;
        Of = of;
        Parameters = parameters;
        Run = run;
        Status = status;
        Folder = folder;
    }

    /// <summary>1-based position in the sweep, and the sweep's size.</summary>
    public int Number { get; }
    public int Of { get; }
    public IReadOnlyDictionary<string, object> Parameters { get; }
    public TrainingRun? Run { get; }
    public SweepState Status { get; }

    /// <summary>The combination's folder in the sweep folder (config.toml, state.json, the run).</summary>
    public string Folder { get; }
    public int Epochs => Run?.EpochsCompleted ?? 0;
    public string Monitor => Run?.Monitor ?? "";
    public double BestValue => Run?.BestValue ?? double.NaN;
    public int BestEpoch => Run?.BestEpoch ?? 0;
    public string RunId => Run?.RunId ?? "";

    /// <summary>"model.filters=16, training.learning_rate=0.001".</summary>
    public string Description => SweepManifest.Describe(Parameters);

    public static SweepRun From(CombinationOutcome outcome, int of) =>
        new(outcome.Combination.Index + 1, of, outcome.Combination.Parameters, outcome.Run, outcome.State, outcome.Combination.Directory);
}

/// <summary>
/// Every combination of the values given for some configuration keys, each applied to a copy of
/// the base configuration through the same checks as a file (the original's sweep silently ignored
/// the keys it was given). All combinations are built and checked before any training starts.
/// </summary>
public sealed class TrainingSweep
{
    /// <param name="simulatesFrames">
    /// True when each combination simulates its own frames from its [simulation] section; false
    /// when every combination trains on the same frames (piped in), which simulation keys cannot change.
    /// </param>
    /// <exception cref="SweepKeyException">A key no combination could apply.</exception>
    public TrainingSweep(PipelineConfig baseConfig, IEnumerable<KeyValuePair<string, IReadOnlyList<object>>> parameters,
        bool simulatesFrames = false)
    {
        var axes = parameters.OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        if (axes.Count == 0) throw new ArgumentException("A sweep needs at least one section.key with values.");
        foreach (var (key, values) in axes)
        {
            if (values.Count == 0) throw new ArgumentException($"The sweep gives no value for {key}.");
            CheckApplicable(key, simulatesFrames);
        }
        SimulatesFrames = simulatesFrames;

        var points = new List<(IReadOnlyDictionary<string, object>, PipelineConfig)>();
        foreach (var combination in Product(axes))
        {
            var config = ConfigLoader.Clone(baseConfig);
            foreach (var (key, value) in combination) ConfigLoader.Set(config, key, value);
            points.Add((combination, config));
        }
        Points = points;
    }

    public bool SimulatesFrames { get; }

    /// <summary>The frames a combination trains on when the sweep simulates them: [simulation] count frames from its own settings.</summary>
    public static List<Frame> Simulate(PipelineConfig config, CancellationToken cancellation = default) =>
        new ScattererSimulator(config.Simulation).Generate(0, config.Simulation.Count, config.Training.Threads, cancellation).ToList();

    /// <summary>
    /// Refuses a key whose values would all give the same run, because what it sets happened
    /// before the sweep (imports, simulation of piped frames) or is never read by training.
    /// </summary>
    private static void CheckApplicable(string key, bool simulatesFrames)
    {
        string section = key.Split('.')[0].ToLowerInvariant();
        string? why = section switch
        {
            "data" => $"{key} sets how MAT files are imported, which happened before the sweep: import once per value and run a sweep on each.",
            "simulation" when !simulatesFrames =>
                $"{key} sets how frames are simulated, but every combination trains on the frames piped into the sweep: pipe nothing, and each combination simulates its frames from its own [simulation] section.",
            "bench" => $"{key} sets the input of the benchmark program only; training never reads it.",
            _ => null,
        };
        if (why is not null) throw new SweepKeyException(key, why);
    }

    /// <summary>Each combination with its full configuration, in a fixed order (keys sorted, values as given).</summary>
    public IReadOnlyList<(IReadOnlyDictionary<string, object> Parameters, PipelineConfig Config)> Points { get; }

    private static IEnumerable<IReadOnlyDictionary<string, object>> Product(IReadOnlyList<KeyValuePair<string, IReadOnlyList<object>>> axes)
    {
        IEnumerable<List<KeyValuePair<string, object>>> combinations = [[]];
        foreach (var (key, values) in axes)
            combinations = combinations.SelectMany(c => values.Select(v => new List<KeyValuePair<string, object>>(c) { new(key, v) }));
        return combinations.Select(c => (IReadOnlyDictionary<string, object>)c.ToDictionary(p => p.Key, p => p.Value));
    }
}

/// <summary>A sweep key that no combination could apply; Key names it.</summary>
public sealed class SweepKeyException(string key, string message) : ArgumentException(message, nameof(key))
{
    public string Key { get; } = key;
}
