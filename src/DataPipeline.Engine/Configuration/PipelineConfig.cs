namespace DataPipeline.Engine.Configuration;

/// <summary>
/// Everything one configuration file drives: simulation, batching, model, training, evaluation
/// and output. A new instance holds the defaults; <see cref="ConfigLoader"/> fills one from TOML.
/// </summary>
public sealed class PipelineConfig
{
    public DataSettings Data { get; init; } = new();
    public SimulationSettings Simulation { get; init; } = new();
    public BatchSettings Batch { get; init; } = new();
    public AugmentSettings Augment { get; init; } = new();
    public ModelSettings Model { get; init; } = new();
    public TrainingSettings Training { get; init; } = new();
    public ScheduleSettings Schedules { get; init; } = new();
    public EvaluationSettings Evaluation { get; init; } = new();
    public OutputSettings Output { get; init; } = new();
    public BenchSettings Bench { get; init; } = new();

    /// <summary>The file the settings came from, or null for defaults.</summary>
    public string? SourcePath { get; init; }

    /// <summary>Every section object in file order, for the loader and the template writer.</summary>
    internal IEnumerable<object> Sections()
    {
        yield return Data;
        yield return Simulation;
        yield return Batch;
        yield return Augment;
        yield return Model;
        yield return Training;
        yield return Schedules;
        yield return Evaluation;
        yield return Output;
        yield return Bench;
    }

    /// <summary>Reads <paramref name="path"/>, or returns the defaults when it is null.</summary>
    public static PipelineConfig Load(string? path) => path is null ? new PipelineConfig() : ConfigLoader.LoadFile(path);
}
