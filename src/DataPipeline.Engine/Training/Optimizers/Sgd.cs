using DataPipeline.Engine.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DataPipeline.Engine.Training.Optimizers;

/// <summary>
/// torch.optim.SGD (maximize off): d = g + λ·θ; with momentum μ the buffer starts as a copy of d
/// and then b = μ·b + (1-τ)·d; the step uses d + μ·b (Nesterov) or b; θ -= lr·step.
/// Defaults are PyTorch's: momentum 0, dampening 0, weight decay 0, no Nesterov.
/// </summary>
public sealed class Sgd : Optimizer
{
    private readonly bool _nesterov;
    private readonly HyperScalar _momentum, _weightDecay;
    private readonly Scalar _oneMinusDampening;
    private readonly Tensor?[] _buffers;

    public Sgd(IEnumerable<Parameter> parameters, double learningRate, double momentum = 0, double dampening = 0,
        double weightDecay = 0, bool nesterov = false) : base(parameters, learningRate)
    {
        if (!(momentum >= 0)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "The momentum must be 0 or more.");
        if (!(weightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "The weight decay must be 0 or more.");
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new ArgumentException("Nesterov momentum needs a momentum above 0 and zero dampening (as in PyTorch).", nameof(nesterov));
        _nesterov = nesterov;
        _momentum = Settable(momentum);
        _oneMinusDampening = Own(1 - dampening);
        _weightDecay = Settable(weightDecay);
        _buffers = new Tensor?[Parameters.Count];
    }

    public override string Name => "SGD";

    public override double WeightDecay => _weightDecay.Value;

    public override void SetWeightDecay(double value)
    {
        CheckRange(value, "weight decay");
        _weightDecay.Set(value);
    }

    public override bool HasMomentum => true;

    public override double Momentum => _momentum.Value;

    /// <summary>From 0 to above 0, the buffer starts at the next step as in PyTorch (a copy of the gradient).</summary>
    public override void SetMomentum(double value)
    {
        CheckRange(value, "momentum");
        if (_nesterov && value == 0)
            throw new ArgumentOutOfRangeException(nameof(value), value, "Nesterov momentum needs a momentum above 0.");
        _momentum.Set(value);
    }

    protected override void Update(int index, Parameter parameter, Tensor grad)
    {
        var d = _weightDecay.Value == 0 ? grad : grad.add(parameter, _weightDecay.Scalar);
        if (_momentum.Value != 0)
        {
            var buffer = _buffers[index];
            if (buffer is null)
                buffer = _buffers[index] = d.detach().clone().DetachFromDisposeScope();
            else
                buffer.mul_(_momentum.Scalar).add_(d, _oneMinusDampening);
            d = _nesterov ? d.add(buffer, _momentum.Scalar) : buffer;
        }
        parameter.add_(d, NegativeRate);
    }

    protected override void SaveState(BinaryWriter writer) => SavePerParameter(writer, null, _buffers);

    protected override void LoadState(BinaryReader reader) => LoadPerParameter(reader, null, _buffers);

    protected override IEnumerable<Tensor?> StateTensors() => _buffers;
}
