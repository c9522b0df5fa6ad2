using DataPipeline.Engine.Batching;
using TorchSharp;
using static TorchSharp.torch;

namespace DataPipeline.Engine.Training;

/// <summary>A batch's arrays as the tensors and loss weights a step feeds the network.</summary>
internal static class BatchTensors
{
    /// <summary>
    /// Each training sample's loss weight, its class's (New-BatchGenerator -ClassWeight); null when
    /// the generator weights no class. Validation stays unweighted, so val_loss compares across runs.
    /// </summary>
    internal static float[]? SampleWeights(BatchGenerator generator, Batch batch) =>
        generator.ClassWeights is { } weights && batch.ClassLabels is { } classes
            ? Array.ConvertAll(classes, k => (float)weights[k])
            : null;

    internal static (Tensor Input, Tensor Target) ToTensors(Batch batch, Device device)
    {
        var input = NativeCopy(batch.Data, batch.Shape);
        var target = NativeCopy(batch.Label, batch.LabelShape);
        return device.type == DeviceType.CPU ? (input, target) : (input.to(device), target.to(device));
    }

    /// <summary>
    /// A tensor in libtorch's own memory holding a copy of <paramref name="values"/>, so nothing the
    /// network keeps for its backward pass points into the managed heap.
    /// </summary>
    internal static Tensor NativeCopy(float[] values, int[] shape)
    {
        var result = empty(shape.Select(d => (long)d).ToArray(), ScalarType.Float32);
        result.bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan());
        return result;
    }
}
