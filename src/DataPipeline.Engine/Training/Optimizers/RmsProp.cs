using DataPipeline.Engine.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DataPipeline.Engine.Training.Optimizers;

/// <summary>
/// torch.optim.RMSprop (maximize off): g += λ·θ; s = α·s + (1-α)·g²; centred, a = α·a + (1-α)·g
/// and the denominator is √(s - a²) + ε, else √s + ε; with momentum μ, b = μ·b + g/denominator
/// and θ -= lr·b, else θ -= lr·g/denominator. Defaults are PyTorch's: lr 1e-2, alpha 0.99,
/// eps 1e-8, momentum 0, weight decay 0, not centred.
/// </summary>
public sealed class RmsProp : Optimizer
{
    private readonly bool _centered;
    private readonly Scalar _alpha, _oneMinusAlpha, _eps;
    private readonly HyperScalar _momentum, _weightDecay;
    private readonly Tensor?[] _squareAvg, _gradAvg, _buffers;
    private readonly long[] _steps;

    public RmsProp(IEnumerable<Parameter> parameters, double learningRate = 1e-2, double alpha = 0.99, double eps = 1e-8,
        double weightDecay = 0, double momentum = 0, bool centered = false) : base(parameters, learningRate)
    {
        if (!(alpha >= 0)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must be 0 or more.");
        if (!(eps >= 0)) throw new ArgumentOutOfRangeException(nameof(eps), eps, "eps must be 0 or more.");
        if (!(momentum >= 0)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "The momentum must be 0 or more.");
        if (!(weightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "The weight decay must be 0 or more.");
        _centered = centered;
        _alpha = Own(alpha);
        _oneMinusAlpha = Own(1 - alpha);
        _eps = Own(eps);
        _momentum = Settable(momentum);
        _weightDecay = Settable(weightDecay);
        _squareAvg = new Tensor?[Parameters.Count];
        _gradAvg = new Tensor?[Parameters.Count];
        _buffers = new Tensor?[Parameters.Count];
        _steps = new long[Parameters.Count];
    }

    public override string Name => "RMSprop";

    public override double WeightDecay => _weightDecay.Value;

    public override void SetWeightDecay(double value)
    {
        CheckRange(value, "weight decay");
        _weightDecay.Set(value);
    }

    public override bool HasMomentum => true;

    public override double Momentum => _momentum.Value;

    public override void SetMomentum(double value)
    {
        CheckRange(value, "momentum");
        _momentum.Set(value);
    }

    protected override void Update(int index, Parameter parameter, Tensor grad)
    {
        _steps[index]++;
        if (_weightDecay.Value != 0) grad = grad.add(parameter, _weightDecay.Scalar);
        var square = _squareAvg[index] ??= StateLike(parameter);
        square.mul_(_alpha).addcmul_(grad, grad, _oneMinusAlpha);
        Tensor average;
        if (_centered)
        {
            var mean = _gradAvg[index] ??= StateLike(parameter);
            mean.mul_(_alpha).add_(grad, _oneMinusAlpha);
            average = square.addcmul(mean, mean, Scalars.MinusOne).sqrt_();
        }
        else
        {
            average = square.sqrt();
        }
        average.add_(_eps, Scalars.One);
        if (_momentum.Value > 0)
        {
            var buffer = _buffers[index] ??= StateLike(parameter);
            buffer.mul_(_momentum.Scalar).addcdiv_(grad, average, Scalars.One);
            parameter.add_(buffer, NegativeRate);
        }
        else
        {
            parameter.addcdiv_(grad, average, NegativeRate);
        }
    }

    protected override void SaveState(BinaryWriter writer) => SavePerParameter(writer, _steps, _squareAvg, _gradAvg, _buffers);

    protected override void LoadState(BinaryReader reader) => LoadPerParameter(reader, _steps, _squareAvg, _gradAvg, _buffers);

    protected override IEnumerable<Tensor?> StateTensors() => _squareAvg.Concat(_gradAvg).Concat(_buffers);
}
