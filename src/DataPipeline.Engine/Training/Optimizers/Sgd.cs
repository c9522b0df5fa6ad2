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
    private readonly double _momentum, _weightDecay;
    private readonly bool _nesterov;
    private readonly Scalar _momentumScalar, _oneMinusDampening, _weightDecayScalar;
    private readonly Tensor?[] _buffers;

    public Sgd(IEnumerable<Parameter> parameters, double learningRate, double momentum = 0, double dampening = 0,
        double weightDecay = 0, bool nesterov = false) : base(parameters, learningRate)
    {
        if (!(momentum >= 0)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "The momentum must be 0 or more.");
        if (!(weightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "The weight decay must be 0 or more.");
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new ArgumentException("Nesterov momentum needs a momentum above 0 and zero dampening (as in PyTorch).", nameof(nesterov));
        _momentum = momentum;
        _weightDecay = weightDecay;
        _nesterov = nesterov;
        _momentumScalar = Own(momentum);
        _oneMinusDampening = Own(1 - dampening);
        _weightDecayScalar = Own(weightDecay);
        _buffers = new Tensor?[Parameters.Count];
    }

    public override string Name => "SGD";

    protected override void Update(int index, Parameter parameter, Tensor grad)
    {
        var d = _weightDecay == 0 ? grad : grad.add(parameter, _weightDecayScalar);
        if (_momentum != 0)
        {
            var buffer = _buffers[index];
            if (buffer is null)
                buffer = _buffers[index] = d.detach().clone().DetachFromDisposeScope();
            else
                buffer.mul_(_momentumScalar).add_(d, _oneMinusDampening);
            d = _nesterov ? d.add(buffer, _momentumScalar) : buffer;
        }
        parameter.add_(d, NegativeRate);
    }

    protected override void SaveState(BinaryWriter writer)
    {
        foreach (var buffer in _buffers) SaveOptional(writer, buffer);
    }

    protected override void LoadState(BinaryReader reader)
    {
        for (int i = 0; i < Parameters.Count; i++) LoadOptional(reader, ref _buffers[i], Parameters[i]);
    }

    protected override IEnumerable<Tensor?> StateTensors() => _buffers;
}
