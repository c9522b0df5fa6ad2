using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Runtime;
using DataPipeline.Engine.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace DataPipeline.Engine.Models;

/// <summary>One row of a model's layer table.</summary>
public sealed record UNetLayer(string Name, string Type, long Parameters);

/// <summary>
/// A U-Net as the pipeline sees it: its configuration, size, layer table and, when it has been
/// trained, the checkpoint holding its weights. Holds no tensors: the network is built inside
/// the engine whenever it is used, so the object can live in a PowerShell variable for a week.
/// </summary>
public sealed class UNetModel
{
    private UNetModel(PipelineConfig config, int sizeRatio, int timeSteps, IReadOnlyList<UNetLayer> layers, long trainable, long total,
        string? checkpoint, CheckpointState? state)
    {
        Config = config;
        SizeRatio = sizeRatio;
        TimeSteps = timeSteps;
        Layers = layers;
        TrainableParameters = trainable;
        TotalParameters = total;
        CheckpointPath = checkpoint;
        Epoch = state?.Epoch;
        RunId = state?.RunId;
        FrameShape = state?.FrameShape;
    }

    public PipelineConfig Config { get; }
    public ModelSettings Settings => Config.Model;
    public int Dims => Settings.Dims;
    public int SizeRatio { get; }

    /// <summary>The T a temporal_head = conv model is built for (0: any T).</summary>
    public int TimeSteps { get; }

    /// <summary>True when the model maps a [T, H, W] sequence to one [H·r, W·r] map ([model] temporal_head).</summary>
    public bool ReducesTime => Settings.TemporalHead != TemporalHead.None;
    public IReadOnlyList<UNetLayer> Layers { get; }
    public long TrainableParameters { get; }
    public long TotalParameters { get; }

    /// <summary>The checkpoint with the trained weights; null for an untrained model.</summary>
    public string? CheckpointPath { get; }

    /// <summary>The epoch the checkpoint was written after, and its run.</summary>
    public int? Epoch { get; }
    public string? RunId { get; }

    /// <summary>The frame shape the checkpointed model was trained on ([H, W] or [T, H, W]).</summary>
    public int[]? FrameShape { get; }

    /// <summary>A new, untrained model of <paramref name="config"/>.</summary>
    /// <param name="timeSteps">T of the sequences it will read; temporal_head = conv needs it.</param>
    public static UNetModel Create(PipelineConfig config, int sizeRatio, int timeSteps = 0) => Describe(config, sizeRatio, timeSteps, null, null);

    /// <summary>The model saved in a checkpoint written by Invoke-UNetTraining.</summary>
    public static UNetModel Load(string checkpoint)
    {
        var state = Checkpoint.ReadState(checkpoint);
        int timeSteps = state.FrameShape.Length == 3 ? state.FrameShape[0] : 0;
        return Describe(Checkpoint.ConfigOf(state, checkpoint), state.SizeRatio, timeSteps, Path.GetFullPath(checkpoint), state);
    }

    /// <summary>Builds the network on the CPU with this model's weights (initial or from the checkpoint).</summary>
    public UNet Build()
    {
        TorchRuntime.EnsureLoaded();
        manual_seed(Config.Training.Seed);
        var network = new UNet(Settings, SizeRatio, TimeSteps);
        if (CheckpointPath is not null) Checkpoint.LoadModel(CheckpointPath, network);
        return network;
    }

    private static UNetModel Describe(PipelineConfig config, int sizeRatio, int timeSteps, string? checkpoint, CheckpointState? state)
    {
        UNetParameterFormula.CheckTemporalHead(config.Model, timeSteps);
        MemoryBudget.CheckModel(config, sizeRatio, timeSteps);
        TorchRuntime.EnsureLoaded();
        using var network = new UNet(config.Model, sizeRatio, timeSteps);
        return new UNetModel(config, sizeRatio, network.TimeSteps, network.LayerTable(), network.TrainableParameters, network.TotalParameters, checkpoint, state);
    }

    public override string ToString() =>
        $"U-Net {Dims}-D depth {Settings.Depth}, {Settings.Filters} filters, x{SizeRatio}, {TrainableParameters:N0} parameters" +
        (CheckpointPath is null ? " (untrained)" : $" (epoch {Epoch} of run {RunId})");
}
