using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DataPipeline.Engine.Models;

/// <summary>
/// A 1x1 (1x1x1) convolution run as a matrix product over the channel axis of a channels-last
/// input: each pixel's channel vector times the [out, in] weight matrix, which is what the
/// convolution computes. Why by hand: libtorch 2.10's oneDNN dies with SIGFPE (the whole process)
/// on some channels-last 1x1 convolutions (512 -> 2048 and 256 -> 1024 channels at 8x8: the lab
/// network's subpixel up-sampling; bench mode conv1x1 replays them), and on a channels-last tensor
/// the product needs no reorder: the [N, H, W, C] view is already the GEMM's row-major left operand.
/// It is a <see cref="Convolution"/> with the Conv2d/Conv3d weight shape [out, in, 1, 1(, 1)], bias
/// and initialisation, so parameter names, counts, checkpoints and seeded weights are unchanged.
/// An input that is not on the CPU, or a model built <see cref="MemoryLayout.Contiguous"/>, goes
/// through libtorch's convolution as before.
/// </summary>
internal sealed class PointwiseConv : Convolution
{
    private readonly bool _gemm;

    /// <param name="dims">2 or 3 spatial axes.</param>
    /// <param name="gemm">True for a channels-last model: run as a matrix product on the CPU.</param>
    public PointwiseConv(long cin, long cout, int dims, bool gemm)
        : base(dims == 3 ? "Conv3d" : "Conv2d", cin, cout, Ones(dims), Ones(dims), Zeros(dims), null, Ones(dims),
            false, Zeros(dims), 1, true, PaddingModes.Zeros)
    {
        Dims = dims;
        _gemm = gemm;
    }

    /// <summary>2 or 3: the convolution this one stands for (Conv2d or Conv3d in layer tables).</summary>
    public int Dims { get; }

    public override Tensor forward(Tensor x)
    {
        if (!_gemm || x.device_type != DeviceType.CPU)
            return Dims == 3
                ? nn.functional.conv3d(x, weight, bias)
                : nn.functional.conv2d(x, weight, bias);
        // [N, C, ...] -> [N, ..., C] (a view of a channels-last x), the product, and back: the
        // result is channels-last. A non-channels-last x is still right: matmul copies it first.
        return Dims == 3
            ? nn.functional.linear(x.permute(0, 2, 3, 4, 1), weight.flatten(1), bias).permute(0, 4, 1, 2, 3)
            : nn.functional.linear(x.permute(0, 2, 3, 1), weight.flatten(1), bias).permute(0, 3, 1, 2);
    }

    private static long[] Ones(int dims) => Enumerable.Repeat(1L, dims).ToArray();
    private static long[] Zeros(int dims) => new long[dims];
}
