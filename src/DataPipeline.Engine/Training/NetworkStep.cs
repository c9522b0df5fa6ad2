using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Models;
using DataPipeline.Engine.Runtime;
using static TorchSharp.torch;

namespace DataPipeline.Engine.Training;

/// <summary>
/// The network's output and loss for one batch, in the run's precision: what a training step and
/// a validation step share.
/// </summary>
internal sealed class NetworkStep(PipelineConfig config)
{
    /// <summary>True when the network ends in a sigmoid, so its output is probabilities already.</summary>
    public bool Probabilities { get; } = config.Model.OutputActivation == OutputActivation.Sigmoid;

    /// <summary>An autocast scope for the forward pass, or null in fp32.</summary>
    private Autocast? AutocastFor(Device device) => config.Training.Precision switch
    {
        TrainingPrecision.Bf16 => Autocast.Enter(device, half: false),
        TrainingPrecision.Fp16 => Autocast.Enter(device, half: true),
        _ => null,
    };

    /// <summary>
    /// The network's output for <paramref name="input"/>, autocast when training.precision asks, and
    /// always float32: losses and metrics are computed outside autocast, where libtorch's
    /// binary_cross_entropy refuses half-precision inputs on CUDA.
    /// </summary>
    public Tensor Forward(RunContext c, Tensor input, bool drawsRandom)
    {
        Tensor output;
        using (AutocastFor(c.Device))
            output = drawsRandom ? c.Random.Use(() => c.Model.call(input)) : c.Model.call(input);
        return output.dtype == ScalarType.Float32 ? output : output.to_type(ScalarType.Float32);
    }

    /// <summary>
    /// The loss, or a <see cref="NonFiniteLossException"/> when the output is not finite: libtorch's
    /// binary_cross_entropy rejects NaN inputs with an error that does not say where they came from.
    /// </summary>
    public Tensor ComputeLoss(Tensor output, Tensor target, int epoch, int step, float[]? sampleWeights = null)
    {
        var s = config.Training;
        try
        {
            return sampleWeights is null
                ? Loss.Compute(s.Loss, output, target, Probabilities, s.FocalGamma, s.FocalAlpha)
                : Loss.Weighted(s.Loss, output, target, Probabilities, sampleWeights, s.FocalGamma, s.FocalAlpha);
        }
        catch (System.Runtime.InteropServices.ExternalException) when (!output.isfinite().all().item<bool>())
        {
            throw new NonFiniteLossException(
                $"The network's output became non-finite at epoch {epoch}, step {step}, before the loss. " +
                "Check the input frames for NaN or infinite values; if they are clean, lower the learning rate.");
        }
    }
}
