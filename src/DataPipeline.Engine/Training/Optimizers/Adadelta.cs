using DataPipeline.Engine.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DataPipeline.Engine.Training.Optimizers;

/// <summary>
/// torch.optim.Adadelta (maximize off): g += λ·θ; s = ρ·s + (1-ρ)·g²;
/// δ = √(u + ε)/√(s + ε)·g; u = ρ·u + (1-ρ)·δ²; θ -= lr·δ.
/// Defaults are PyTorch's: lr 1.0, rho 0.9, eps 1e-6, weight decay 0.
/// </summary>
public sealed class Adadelta : Optimizer
{
    private readonly Scalar _rho, _oneMinusRho, _eps;
    private readonly HyperScalar _weightDecay;
    private readonly Tensor?[] _squareAvg, _accDelta;
    private readonly long[] _steps;

    public Adadelta(IEnumerable<Parameter> parameters, double learningRate = 1.0, double rho = 0.9, double eps = 1e-6,
        double weightDecay = 0) : base(parameters, learningRate)
    {
        if (rho is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(rho), rho, "rho must be in [0, 1].");
        if (!(eps >= 0)) throw new ArgumentOutOfRangeException(nameof(eps), eps, "eps must be 0 or more.");
        if (!(weightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "The weight decay must be 0 or more.");
        _rho = Own(rho);
        _oneMinusRho = Own(1 - rho);
        _eps = Own(eps);
        _weightDecay = Settable(weightDecay);
        _squareAvg = new Tensor?[Parameters.Count];
        _accDelta = new Tensor?[Parameters.Count];
        _steps = new long[Parameters.Count];
    }

    public override string Name => "Adadelta";

    public override double WeightDecay => _weightDecay.Value;

    public override void SetWeightDecay(double value)
    {
        CheckRange(value, "weight decay");
        _weightDecay.Set(value);
    }

    protected override void Update(int index, Parameter parameter, Tensor grad)
    {
        _steps[index]++;
        if (_weightDecay.Value != 0) grad = grad.add(parameter, _weightDecay.Scalar);
        var square = _squareAvg[index] ??= StateLike(parameter);
        var accumulated = _accDelta[index] ??= StateLike(parameter);
        square.mul_(_rho).addcmul_(grad, grad, _oneMinusRho);
        var std = square.add(_eps, Scalars.One).sqrt_();
        var delta = accumulated.add(_eps, Scalars.One).sqrt_().div_(std).mul_(grad);
        accumulated.mul_(_rho).addcmul_(delta, delta, _oneMinusRho);
        parameter.add_(delta, NegativeRate);
    }

    protected override void SaveState(BinaryWriter writer) => SavePerParameter(writer, _steps, _squareAvg, _accDelta);

    protected override void LoadState(BinaryReader reader) => LoadPerParameter(reader, _steps, _squareAvg, _accDelta);

    protected override IEnumerable<Tensor?> StateTensors() => _squareAvg.Concat(_accDelta);
}
