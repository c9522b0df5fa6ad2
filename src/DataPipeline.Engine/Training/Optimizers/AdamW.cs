using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DataPipeline.Engine.Training.Optimizers;

/// <summary>
/// torch.optim.AdamW: Adam with decoupled weight decay, θ *= 1 - lr·λ before the Adam update
/// (the gradient itself is left alone). PyTorch's default λ is 0.01; DataPipeline's
/// [training] weight_decay (default 0) is passed as configured.
/// </summary>
public sealed class AdamW(IEnumerable<Parameter> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
    double eps = 1e-8, double weightDecay = 0.01) : Adam(parameters, learningRate, beta1, beta2, eps, weightDecay)
{
    // Owned here rather than through Own(): it follows the learning rate, so it is replaced with it.
    private Scalar? _shrink;

    public override string Name => "AdamW";

    protected override Tensor Decay(Parameter parameter, Tensor grad)
    {
        if (WeightDecay != 0)
            parameter.mul_(_shrink ??= (1 - LearningRate * WeightDecay).ToScalar());
        return grad;
    }

    protected override void OnLearningRateChanged(double rate) => OnWeightDecayChanged();

    protected override void OnWeightDecayChanged()
    {
        _shrink?.Dispose();
        _shrink = null;
    }

    protected override void OnDispose() => _shrink?.Dispose();
}
