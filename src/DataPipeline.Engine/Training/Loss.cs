using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace DataPipeline.Engine.Training;

/// <summary>The losses of UNET.md ("Loss and optimizer"), on sigmoid outputs or on logits.</summary>
internal static class Loss
{
    /// <param name="output">The network's output: probabilities when <paramref name="outputIsProbability"/>, else logits.</param>
    public static Tensor Compute(LossKind kind, Tensor output, Tensor target, bool outputIsProbability) => kind switch
    {
        LossKind.Mse => mse_loss(output, target),
        LossKind.Bce => Bce(output, target, outputIsProbability),
        LossKind.Dice => Dice(output, target, outputIsProbability),
        LossKind.BceDice => Bce(output, target, outputIsProbability) + Dice(output, target, outputIsProbability),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static Tensor Bce(Tensor output, Tensor target, bool outputIsProbability) => outputIsProbability
        ? binary_cross_entropy(output, target)
        : binary_cross_entropy_with_logits(output, target);

    /// <summary>1 - (2·Σpt + 1) / (Σp + Σt + 1) per sample, averaged over the batch.</summary>
    private static Tensor Dice(Tensor output, Tensor target, bool outputIsProbability)
    {
        var p = outputIsProbability ? output : output.sigmoid();
        long[] axes = Enumerable.Range(1, (int)p.dim() - 1).Select(a => (long)a).ToArray();
        var overlap = (p * target).sum(axes);
        var total = p.sum(axes) + target.sum(axes);
        return (1 - (2 * overlap + 1) / (total + 1)).mean();
    }
}
