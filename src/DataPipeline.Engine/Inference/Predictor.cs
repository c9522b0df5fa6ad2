using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Models;
using DataPipeline.Engine.Runtime;
using DataPipeline.Engine.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace DataPipeline.Engine.Inference;

/// <summary>
/// Runs a U-Net over frames and returns them carrying their prediction maps. Frames go through the
/// network in batches, in evaluation mode without autograd; the network is fully convolutional, so
/// any frame whose H and W are multiples of 2^depth fits, whatever size it was trained on.
/// </summary>
public sealed class Predictor : IDisposable
{
    private readonly UNet _network;
    private readonly Device _device;
    private readonly UNetModel _model;

    public Predictor(UNetModel model, string device = "auto", int threads = 0)
    {
        _model = model;
        _device = TorchRuntime.ResolveDevice(device);
        TorchRuntime.SetThreads(threads);
        _network = model.Build();
        _network.to(_device);
        _network.eval();
    }

    /// <summary>Predicts <paramref name="frames"/> (all of one shape) as one batch.</summary>
    public IReadOnlyList<Frame> Predict(IReadOnlyList<Frame> frames)
    {
        if (frames.Count == 0) return [];
        var shape = frames[0].Shape;
        _network.CheckInputShape(shape);
        foreach (var frame in frames)
            if (!frame.Shape.SequenceEqual(shape))
                throw new ArgumentException($"Frame {frame} is [{string.Join("x", frame.Shape)}] but the batch is [{string.Join("x", shape)}]; predict frames of one shape together.");

        int size = frames[0].Data.Length;
        var data = new float[frames.Count * size];
        for (int i = 0; i < frames.Count; i++) frames[i].Data.CopyTo(data, i * size);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var input = Trainer.NativeCopy(data, [frames.Count, 1, .. shape]);
        var output = _network.call(_device.type == DeviceType.CPU ? input : input.to(_device));
        if (_model.Settings.OutputActivation == OutputActivation.None) output = output.sigmoid();
        var values = output.cpu().data<float>().ToArray();
        int perFrame = values.Length / frames.Count;
        int r = _model.SizeRatio;
        int[] predictionShape = [.. shape[..^2], shape[^2] * r, shape[^1] * r];
        var predicted = new Frame[frames.Count];
        for (int i = 0; i < frames.Count; i++)
        {
            if (frames[i].LabelShape is { } label && !label.SequenceEqual(predictionShape))
                throw new ArgumentException(
                    $"The model predicts [{string.Join("x", predictionShape)}] (x{r}) for {frames[i]}, whose label is [{string.Join("x", label)}]: the model's size ratio does not match these labels.");
            predicted[i] = frames[i].WithPrediction(values.AsSpan(i * perFrame, perFrame).ToArray(), predictionShape);
        }
        return predicted;
    }

    public void Dispose() => _network.Dispose();
}
