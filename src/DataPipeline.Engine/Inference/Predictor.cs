using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Models;
using DataPipeline.Engine.Runtime;
using DataPipeline.Engine.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace DataPipeline.Engine.Inference;

/// <summary>
/// Runs a U-Net over frames and returns them carrying their prediction maps. Frames go through the
/// network in batches, in evaluation mode without autograd. A frame larger than the sliding window
/// (by default the frame shape the model was trained on) is predicted tile by tile and blended
/// (<see cref="SlidingWindow"/>); a frame that fits the window goes through whole.
/// </summary>
public sealed class Predictor : IDisposable
{
    private readonly UNet _network;
    private readonly Device _device;
    private readonly UNetModel _model;

    /// <param name="window">Tiles for large frames; null takes the model's training frame shape with
    /// <paramref name="overlap"/>, and predicts whole frames when the model was never trained.</param>
    /// <param name="batchSize">Tiles predicted at once.</param>
    public Predictor(UNetModel model, string device = "auto", int threads = 0, int[]? window = null, double overlap = 0.25, int batchSize = 16)
    {
        _model = model;
        _device = TorchRuntime.ResolveDevice(device);
        if ((window ?? model.FrameShape) is { } shape)
        {
            int multiple = 1 << model.Settings.Depth;
            Window = new SlidingWindow(shape, overlap, multiple, alignTime: model.Settings.TemporalDownscaling);
        }
        BatchSize = batchSize;
        TorchRuntime.SetThreads(threads);
        _network = model.Build();
        _network.to(_device);
        _network.eval();
    }

    /// <summary>The tiling of frames larger than the window; null when every frame is predicted whole.</summary>
    public SlidingWindow? Window { get; }

    public int BatchSize { get; }

    /// <summary>Predicts <paramref name="frames"/> (all of one shape).</summary>
    public IReadOnlyList<Frame> Predict(IReadOnlyList<Frame> frames)
    {
        if (frames.Count == 0) return [];
        var shape = frames[0].Shape;
        int channels = frames[0].Channels;
        foreach (var frame in frames)
            if (!frame.Shape.SequenceEqual(shape) || frame.Channels != channels)
                throw new ArgumentException($"Frame {frame} is [{string.Join("x", frame.Shape)}] but the batch is [{string.Join("x", shape)}]; predict frames of one shape together.");
        int r = _model.SizeRatio;
        // A temporal head maps a [T, H, W] sequence to one [H·r, W·r] map.
        int[] predictionShape = _model.ReducesTime && shape.Length == 3
            ? [shape[^2] * r, shape[^1] * r]
            : [.. shape[..^2], shape[^2] * r, shape[^1] * r];
        foreach (var frame in frames)
            if (frame.LabelShape is { } label && !label.SequenceEqual(predictionShape))
                throw new ArgumentException(
                    $"The model predicts [{string.Join("x", predictionShape)}] (x{r}) for {frame}, whose label is [{string.Join("x", label)}]: the model's size ratio does not match these labels.");

        _network.CheckChannels(channels);
        if (Window is { } window && window.Tiles(shape))
        {
            // Tiles are blended per step; a head that mixes the steps has no per-step tiles to blend.
            if (_model.ReducesTime)
                throw new ArgumentException(
                    $"Frame {frames[0]} is [{string.Join("x", shape)}], larger than the [{string.Join("x", window.TileShape(shape))}] tiles this model reads, " +
                    "and a model with a temporal_head predicts whole sequences only; predict sequences of the shape it was trained on.");
            if (channels > 1)
                throw new ArgumentException(
                    $"{frames[0]} has {channels} channels and is larger than the model's frames; tiled prediction takes one-channel frames, so crop IQ frames to the training size.");
            _network.CheckInputShape(window.TileShape(shape));
            return frames.Select(f => f.WithPrediction(window.Predict(f.Data, shape, r, BatchSize, Forward), predictionShape)).ToList();
        }

        _network.CheckInputShape(shape);
        int size = frames[0].Data.Length;
        var data = new float[frames.Count * size];
        for (int i = 0; i < frames.Count; i++) frames[i].Data.CopyTo(data, i * size);
        var values = ForwardChannels(data, frames.Count, [channels, .. shape]);
        int perFrame = values.Length / frames.Count;
        return frames.Select((f, i) => f.WithPrediction(values.AsSpan(i * perFrame, perFrame).ToArray(), predictionShape)).ToList();
    }

    /// <summary>The network's probability maps for <paramref name="count"/> one-channel inputs of <paramref name="shape"/> laid end to end (the tiles' path).</summary>
    private float[] Forward(float[] data, int count, int[] shape) => ForwardChannels(data, count, [1, .. shape]);

    /// <summary>The same for inputs of [C, ..shape] (<paramref name="channelShape"/>).</summary>
    private float[] ForwardChannels(float[] data, int count, int[] channelShape)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var input = BatchTensors.NativeCopy(data, [count, .. channelShape]);
        var output = _network.call(_device.type == DeviceType.CPU ? input : input.to(_device));
        if (_model.Settings.OutputActivation == OutputActivation.None) output = output.sigmoid();
        return output.cpu().data<float>().ToArray();
    }

    public void Dispose() => _network.Dispose();
}
