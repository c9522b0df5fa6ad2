using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DataPipeline.Engine.Training;

/// <summary>
/// Dynamic loss scaling for float16 training, as PyTorch's GradScaler does it: the loss is multiplied
/// by a large scale before backward so small gradients do not flush to zero in float16; the
/// gradients are divided by it again before the step. A step whose gradients overflow is skipped
/// and the scale halved; after <see cref="GrowthInterval"/> good steps in a row it doubles.
/// </summary>
internal sealed class LossScaler
{
    public const double InitialScale = 65536, GrowthFactor = 2, BackoffFactor = 0.5;
    public const int GrowthInterval = 2000;

    private int _goodSteps;

    public double Scale { get; private set; } = InitialScale;

    // The scale changes as training goes, so each call makes its own Scalar and keeps it alive
    // until libtorch has read it (an implicit one could be freed mid-call, see Runtime/Scalars).
    public Tensor Scaled(Tensor loss)
    {
        using var scale = Scale.ToScalar();
        return loss.mul(scale);
    }

    /// <summary>
    /// Divides every gradient by the scale; false (and the scale halved) when any of them is not
    /// finite, in which case the step must be skipped.
    /// </summary>
    public bool Unscale(IEnumerable<Parameter> parameters)
    {
        using var scope = NewDisposeScope();
        var grads = parameters.Select(p => p.grad).OfType<Tensor>().ToList();
        bool finite = grads.Count == 0 || stack(grads.Select(g => g.isfinite().all()).ToArray()).all().item<bool>();
        if (!finite)
        {
            Scale *= BackoffFactor;
            _goodSteps = 0;
            return false;
        }
        using (var scale = Scale.ToScalar())
            foreach (var g in grads) g.div_(scale);
        if (++_goodSteps == GrowthInterval)
        {
            Scale *= GrowthFactor;
            _goodSteps = 0;
        }
        return true;
    }
}
