using DataPipeline.Engine.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DataPipeline.Engine.Training.Optimizers;

/// <summary>
/// torch.optim.Adam (amsgrad and maximize off), PyTorch's single-tensor update: with t the
/// parameter's step, g the gradient (plus λ·θ when weight decay is on),
/// m = β1·m + (1-β1)·g, v = β2·v + (1-β2)·g², θ -= lr/(1-β1^t) · m / (√v/√(1-β2^t) + ε).
/// Defaults are PyTorch's: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 0.
/// </summary>
public class Adam : Optimizer
{
    private readonly double _beta2;
    private readonly Scalar _beta2Scalar, _oneMinusBeta2, _eps;
    private readonly HyperScalar _beta1, _oneMinusBeta1, _weightDecay;
    private readonly Tensor?[] _expAvg, _expAvgSq;
    private readonly long[] _steps;

    public Adam(IEnumerable<Parameter> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0) : base(parameters, learningRate)
    {
        if (beta1 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1).");
        if (beta2 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1).");
        if (!(eps >= 0)) throw new ArgumentOutOfRangeException(nameof(eps), eps, "eps must be 0 or more.");
        if (!(weightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "The weight decay must be 0 or more.");
        _beta2 = beta2;
        _beta1 = Settable(beta1);
        _oneMinusBeta1 = Settable(beta1, b => 1 - b);
        _beta2Scalar = Own(beta2);
        _oneMinusBeta2 = Own(1 - beta2);
        _eps = Own(eps);
        _weightDecay = Settable(weightDecay);
        _expAvg = new Tensor?[Parameters.Count];
        _expAvgSq = new Tensor?[Parameters.Count];
        _steps = new long[Parameters.Count];
    }

    public override string Name => "Adam";

    public override double WeightDecay => _weightDecay.Value;

    protected Scalar WeightDecayScalar => _weightDecay.Scalar;

    public override void SetWeightDecay(double value)
    {
        CheckRange(value, "weight decay");
        _weightDecay.Set(value);
        OnWeightDecayChanged();
    }

    /// <summary>For AdamW, whose 1 - lr·λ follows the decay.</summary>
    protected virtual void OnWeightDecayChanged() { }

    public override bool HasMomentum => true;

    /// <summary>β1. Bias correction uses the current β1, as PyTorch does when param_groups' betas are changed.</summary>
    public override double Momentum => _beta1.Value;

    public override void SetMomentum(double value)
    {
        CheckRange(value, "beta1", below: 1);
        _beta1.Set(value);
        _oneMinusBeta1.Set(value);
    }

    /// <summary>The step count of parameter <paramref name="index"/> (what bias correction uses).</summary>
    public long StepOf(int index) => _steps[index];

    protected override void Update(int index, Parameter parameter, Tensor grad)
    {
        grad = Decay(parameter, grad);
        long t = ++_steps[index];
        var m = _expAvg[index] ??= StateLike(parameter);
        var v = _expAvgSq[index] ??= StateLike(parameter);
        m.mul_(_beta1.Scalar).add_(grad, _oneMinusBeta1.Scalar);
        v.mul_(_beta2Scalar).addcmul_(grad, grad, _oneMinusBeta2);
        double biasCorrection1 = 1 - Math.Pow(_beta1.Value, t);
        double biasCorrection2 = 1 - Math.Pow(_beta2, t);
        // Both change every step, so they are made here and kept alive until the calls return.
        using var correction2Sqrt = Math.Sqrt(biasCorrection2).ToScalar();
        using var negativeStepSize = (-LearningRate / biasCorrection1).ToScalar();
        var denominator = v.sqrt().div_(correction2Sqrt).add_(_eps, Scalars.One);
        parameter.addcdiv_(m, denominator, negativeStepSize);
    }

    /// <summary>Adam's L2 penalty: λ·θ added to the gradient.</summary>
    protected virtual Tensor Decay(Parameter parameter, Tensor grad) =>
        WeightDecay == 0 ? grad : grad.add(parameter, WeightDecayScalar);

    protected override void SaveState(BinaryWriter writer) => SavePerParameter(writer, _steps, _expAvg, _expAvgSq);

    protected override void LoadState(BinaryReader reader) => LoadPerParameter(reader, _steps, _expAvg, _expAvgSq);

    protected override IEnumerable<Tensor?> StateTensors() => _expAvg.Concat(_expAvgSq);
}
