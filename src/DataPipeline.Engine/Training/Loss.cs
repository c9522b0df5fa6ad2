using DataPipeline.Engine.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace DataPipeline.Engine.Training;

/// <summary>
/// The losses of UNET.md ("Loss and optimizer"), on sigmoid outputs or on logits. Every number
/// passed to libtorch is an explicit Scalar kept alive across the call (see Runtime/Scalars).
/// </summary>
internal static class Loss
{
    private static readonly Scalar ProbabilityFloor = 1e-7.ToScalar(), ProbabilityCeiling = (1 - 1e-7).ToScalar();

    /// <param name="output">The network's output: probabilities when <paramref name="outputIsProbability"/>, else logits.</param>
    public static Tensor Compute(LossKind kind, Tensor output, Tensor target, bool outputIsProbability,
        double focalGamma = 2, double focalAlpha = 0.25) => kind switch
    {
        LossKind.Mse => mse_loss(output, target),
        LossKind.Bce => Bce(output, target, outputIsProbability),
        LossKind.Dice => Dice(output, target, outputIsProbability),
        LossKind.BceDice => Bce(output, target, outputIsProbability).add(Dice(output, target, outputIsProbability), Scalars.One),
        LossKind.Focal => Focal(output, target, outputIsProbability, focalGamma, focalAlpha),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>
    /// The loss with each sample weighted (per-class weights from New-BatchGenerator -ClassWeight):
    /// Σ w_i·L_i / Σ w_i, where L_i is sample i's own loss (the mean over its pixels; dice per
    /// sample). Equal weights give <see cref="Compute"/>; all-zero weights give 0 (nothing to learn).
    /// </summary>
    public static Tensor Weighted(LossKind kind, Tensor output, Tensor target, bool outputIsProbability, float[] sampleWeights,
        double focalGamma = 2, double focalAlpha = 0.25)
    {
        ArgumentNullException.ThrowIfNull(sampleWeights);
        double total = sampleWeights.Sum(w => (double)w);
        // Normalised on the host, so the division needs no Scalar and a zero total no special case on the device.
        var normalised = sampleWeights.Select(w => total > 0 ? (float)(w / total) : 0f).ToArray();
        var weights = tensor(normalised, device: output.device);
        return PerSample(kind, output, target, outputIsProbability, focalGamma, focalAlpha).mul(weights).sum();
    }

    /// <summary>Each sample's loss, [N].</summary>
    private static Tensor PerSample(LossKind kind, Tensor output, Tensor target, bool outputIsProbability, double focalGamma, double focalAlpha)
    {
        long[] axes = Enumerable.Range(1, (int)output.dim() - 1).Select(a => (long)a).ToArray();
        return kind switch
        {
            LossKind.Mse => mse_loss(output, target, nn.Reduction.None).mean(axes),
            LossKind.Bce => BceElements(output, target, outputIsProbability).mean(axes),
            LossKind.Dice => DicePerSample(output, target, outputIsProbability),
            LossKind.BceDice => BceElements(output, target, outputIsProbability).mean(axes).add(DicePerSample(output, target, outputIsProbability), Scalars.One),
            LossKind.Focal => FocalElements(output, target, outputIsProbability, focalGamma, focalAlpha).mean(axes).neg(),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    private static Tensor BceElements(Tensor output, Tensor target, bool outputIsProbability) => outputIsProbability
        ? binary_cross_entropy(output, target, reduction: nn.Reduction.None)
        : binary_cross_entropy_with_logits(output, target, reduction: nn.Reduction.None);

    private static Tensor Bce(Tensor output, Tensor target, bool outputIsProbability) => outputIsProbability
        ? binary_cross_entropy(output, target)
        : binary_cross_entropy_with_logits(output, target);

    /// <summary>
    /// Binary focal loss (Lin et al. 2017), written for soft labels t in [0, 1]:
    /// -α·t·(1-p)^γ·log p - (1-α)·(1-t)·p^γ·log(1-p), averaged. It down-weights the easy background
    /// pixels that dominate sparse scatterer maps.
    /// </summary>
    private static Tensor Focal(Tensor output, Tensor target, bool outputIsProbability, double gamma, double alpha) =>
        FocalElements(output, target, outputIsProbability, gamma, alpha).mean().neg();

    /// <summary>The focal loss's terms per pixel, before the mean and the sign.</summary>
    private static Tensor FocalElements(Tensor output, Tensor target, bool outputIsProbability, double gamma, double alpha)
    {
        Tensor p, logP, logNotP;
        if (outputIsProbability)
        {
            p = output.clamp(ProbabilityFloor, ProbabilityCeiling);
            logP = p.log();
            logNotP = OneMinus(p).log();
        }
        else
        {
            p = output.sigmoid();
            logP = logsigmoid(output);
            logNotP = logsigmoid(-output);
        }
        using var alphaScalar = alpha.ToScalar();
        using var oneMinusAlpha = (1 - alpha).ToScalar();
        using var gammaScalar = gamma.ToScalar();
        var positive = target.mul(alphaScalar).mul(OneMinus(p).pow(gammaScalar)).mul(logP);
        var negative = OneMinus(target).mul(oneMinusAlpha).mul(p.pow(gammaScalar)).mul(logNotP);
        return positive.add(negative, Scalars.One);
    }

    /// <summary>1 - (2·Σpt + 1) / (Σp + Σt + 1) per sample, averaged over the batch.</summary>
    private static Tensor Dice(Tensor output, Tensor target, bool outputIsProbability) =>
        DicePerSample(output, target, outputIsProbability).mean();

    private static Tensor DicePerSample(Tensor output, Tensor target, bool outputIsProbability)
    {
        var p = outputIsProbability ? output : output.sigmoid();
        long[] axes = Enumerable.Range(1, (int)p.dim() - 1).Select(a => (long)a).ToArray();
        var overlap = (p * target).sum(axes);
        var total = p.sum(axes).add(target.sum(axes), Scalars.One);
        var ratio = overlap.mul(Scalars.Two).add_(Scalars.One, Scalars.One).div(total.add(Scalars.One, Scalars.One));
        return OneMinus(ratio);
    }

    /// <summary>1 - x, as TorchSharp's (1 - x) computes it, with no implicit Scalar.</summary>
    private static Tensor OneMinus(Tensor x) => x.neg().add_(Scalars.One, Scalars.One);
}
