using DataPipeline.Engine.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DataPipeline.Engine.Models;

/// <summary>
/// torch.nn.BatchNorm2d/3d (eps 1e-5, momentum 0.1, affine, running statistics), as TorchSharp's,
/// except that the batch counter is bumped with owned Scalars: TorchSharp's forward calls
/// num_batches_tracked.add_(1), two implicit Scalars per layer and step that the finalizer thread
/// can free while libtorch reads them (seen as "For integral input tensors, argument alpha must
/// not be a floating point number" under GC pressure). Parameters and buffers keep their names.
/// </summary>
internal abstract class CountingBatchNorm(long features, int spatialDims, string name)
    : BatchNorm(features, 1e-5, 0.1, affine: true, track_running_stats: true, device: null, dtype: null, name)
{
    protected override void ValidateInputDimensions(Tensor input)
    {
        if (input.dim() != spatialDims + 2)
            throw new ArgumentException($"{GetType().Name} expects a {spatialDims + 2}-D input, not {input.dim()}-D.");
    }

    public override Tensor forward(Tensor input)
    {
        ValidateInputDimensions(input);
        if (training) num_batches_tracked?.add_(Scalars.OneInteger, Scalars.OneInteger);
        return F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum ?? 0.0, eps);
    }
}

/// <summary>The class names are TorchSharp's, so the layer table reads as before.</summary>
internal sealed class BatchNorm2d(long features) : CountingBatchNorm(features, 2, nameof(BatchNorm2d));

internal sealed class BatchNorm3d(long features) : CountingBatchNorm(features, 3, nameof(BatchNorm3d));
