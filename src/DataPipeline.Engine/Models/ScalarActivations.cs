using DataPipeline.Engine.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DataPipeline.Engine.Models;

// TorchSharp's LeakyReLU and ELU modules pass their slope and alpha as numbers, which become
// implicit Scalars on every forward call and can be freed by the finalizer thread while libtorch
// reads them (see Runtime/Scalars). These two own theirs for the module's life. The class names
// are TorchSharp's, so the layer table reads as before.

/// <summary>Leaky ReLU with an owned negative slope.</summary>
internal sealed class LeakyReLU(double negativeSlope, bool inplace) : Module<Tensor, Tensor>(nameof(LeakyReLU))
{
    private readonly Scalar _slope = negativeSlope.ToScalar();

    public override Tensor forward(Tensor x) => inplace ? x.leaky_relu_(_slope) : x.leaky_relu(_slope);

    protected override void Dispose(bool disposing)
    {
        if (disposing) _slope.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>ELU with an owned alpha (scale and input scale 1, as torch.nn.ELU).</summary>
internal sealed class ELU(double alpha, bool inplace) : Module<Tensor, Tensor>(nameof(ELU))
{
    private readonly Scalar _alpha = alpha.ToScalar();

    public override Tensor forward(Tensor x) => inplace
        ? x.elu_(_alpha, Scalars.One, Scalars.One)
        : x.elu(_alpha, Scalars.One, Scalars.One);

    protected override void Dispose(bool disposing)
    {
        if (disposing) _alpha.Dispose();
        base.Dispose(disposing);
    }
}
