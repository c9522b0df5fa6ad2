using static TorchSharp.torch;

namespace DataPipeline.Engine.Models;

/// <summary>How a U-Net keeps its activations in memory on the CPU.</summary>
public enum MemoryLayout
{
    /// <summary>
    /// Channels innermost (PyTorch's channels_last / channels_last_3d) for the activations, the
    /// default: oneDNN runs plain NHWC/NDHWC kernels, without reordering to and from its blocked
    /// layouts around every convolution (issue 13: the fastest layout measured), and that memory has
    /// no channel padding to leave uninitialised (see TorchRuntime.PrepareConvolutions). libtorch
    /// picks a convolution's layout from its input, so the weights stay in the default order, which
    /// TorchSharp's Module.save needs (it refuses non-contiguous tensors): checkpoints are unchanged.
    /// </summary>
    ChannelsLast,

    /// <summary>libtorch's default row-major order (NCHW / NCDHW): the bench's --contiguous, for A/B.</summary>
    Contiguous,
}

/// <summary>
/// Channels-last tensors. TorchSharp 0.107 accepts no memory_format anywhere (no contiguous(format),
/// no Module.to(format)), but libtorch reads a tensor's layout from its strides: the channel axis is
/// moved last and made contiguous, and that memory is viewed as [N, C, ...] with the strides
/// PyTorch's to(memory_format=channels_last) gives, channel stride 1 included when C is 1 (from the
/// strides alone, a 1-channel tensor is read as channels-last only then).
/// </summary>
internal static class ChannelsLast
{
    /// <summary>
    /// <paramref name="x"/> (4-D or 5-D) with channels-last strides; a view, without a copy, when it
    /// has them already. Other ranks come back unchanged.
    /// </summary>
    public static Tensor Of(Tensor x)
    {
        if (x.dim() is not (4 or 5)) return x;
        var last = x.dim() == 4 ? x.permute(0, 2, 3, 1).contiguous() : x.permute(0, 2, 3, 4, 1).contiguous();
        long[] shape = x.shape, strides = new long[shape.Length];
        long stride = 1;
        strides[1] = 1;
        for (int d = shape.Length - 1; d >= 2; d--)
        {
            stride *= d == shape.Length - 1 ? shape[1] : shape[d + 1];
            strides[d] = stride;
        }
        strides[0] = stride * shape[2];
        return last.as_strided(shape, strides, last.storage_offset());
    }

    /// <summary>True when the channels of <paramref name="x"/> (4-D or 5-D) are innermost and dense.</summary>
    public static bool Is(Tensor x) => x.dim() switch
    {
        4 => x.permute(0, 2, 3, 1).is_contiguous(),
        5 => x.permute(0, 2, 3, 4, 1).is_contiguous(),
        _ => false,
    };
}
