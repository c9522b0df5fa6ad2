using DataPipeline.Engine.Configuration;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DataPipeline.Engine.Models;

/// <summary>
/// Makes the layers of one U-Net in 2-D or 3-D, so the blocks are written once for both: every
/// place where the two differ (kernel tuples, pooling windows, pixel shuffle) is here.
/// </summary>
internal sealed class UNetLayers(ModelSettings settings, MemoryLayout layout = MemoryLayout.ChannelsLast)
{
    public ModelSettings Settings { get; } = settings;
    public MemoryLayout Layout { get; } = layout;
    private bool Is3D => Settings.Dims == 3;
    private int K => Settings.Kernel;
    private int Kt => Settings.TemporalKernel;

    /// <summary>Scale factor on T: 2 with temporal down-scaling, else 1.</summary>
    public int TemporalScale => Is3D && Settings.TemporalDownscaling ? 2 : 1;

    /// <summary>Output cells per input cell of one Up: 4, or 8 with temporal scaling.</summary>
    public int UpScale => 4 * TemporalScale;

    /// <summary>Channels an Up of <paramref name="c"/> channels gives: c, or c / UpScale for the bare shuffle.</summary>
    public long UpWidth(long c) => Settings.UpSampling == UpSampling.SimpleSubpixel ? c / UpScale : c;

    /// <summary>conv k with "same" zero padding.</summary>
    public Module<Tensor, Tensor> ConvK(long cin, long cout) => Is3D
        ? Conv3d(cin, cout, (Kt, K, K), stride: (1, 1, 1), padding: ((Kt - 1) / 2, (K - 1) / 2, (K - 1) / 2))
        : Conv2d(cin, cout, K, padding: (K - 1) / 2);

    /// <summary>conv 1x1 (1x1x1): a matrix product over channels in a channels-last model (<see cref="PointwiseConv"/>).</summary>
    public Module<Tensor, Tensor> Conv1(long cin, long cout) =>
        new PointwiseConv(cin, cout, Settings.Dims, gemm: Layout == MemoryLayout.ChannelsLast);

    /// <summary>The strided down-sampling conv: kernel 2k-1, stride 2 on the scaled axes.</summary>
    public Module<Tensor, Tensor> StridedConv(long c)
    {
        int ks = 2 * K - 1;
        return Is3D
            ? Conv3d(c, c, (Kt, ks, ks), stride: (TemporalScale, 2, 2), padding: ((Kt - 1) / 2, K - 1, K - 1))
            : Conv2d(c, c, ks, stride: 2, padding: K - 1);
    }

    public Module<Tensor, Tensor> Pool(bool max) => (Is3D, max) switch
    {
        (true, true) => MaxPool3d((TemporalScale, 2, 2), (TemporalScale, 2, 2)),
        (true, false) => AvgPool3d((TemporalScale, 2, 2), (TemporalScale, 2, 2)),
        (false, true) => MaxPool2d(2, 2),
        (false, false) => AvgPool2d(2, 2),
    };

    /// <summary>Transposed conv that exactly doubles the scaled axes.</summary>
    public Module<Tensor, Tensor> TransposedConv(long c) => Is3D
        ? ConvTranspose3d(c, c, (Kt, K, K), stride: (TemporalScale, 2, 2),
            padding: (Kt / 2, K / 2, K / 2), output_padding: (TemporalScale - 1, 1, 1))
        : ConvTranspose2d(c, c, K, stride: 2, padding: K / 2, output_padding: 1);

    public Module<Tensor, Tensor> Nearest() => Is3D
        ? Upsample(scale_factor: [TemporalScale, 2.0, 2.0], mode: UpsampleMode.Nearest)
        : Upsample(scale_factor: [2.0, 2.0], mode: UpsampleMode.Nearest);

    /// <summary>Pixel shuffle by r on H and W and by rt on T (3-D only).</summary>
    public Module<Tensor, Tensor> Shuffle(int r, int rt) => Is3D ? new PixelShuffle3d(r, rt) : PixelShuffle(r);

    public Module<Tensor, Tensor>? BatchNorm(long c) =>
        !Settings.BatchNorm ? null : Is3D ? new BatchNorm3d(c) : new BatchNorm2d(c);

    /// <param name="inplace">Only where the input is a fresh tensor that nothing else reads.</param>
    public Module<Tensor, Tensor> Activation(bool inplace) => Settings.Activation switch
    {
        Models.Activation.LeakyReLU => new LeakyReLU(Settings.LreluSlope, inplace),
        Models.Activation.ReLU => ReLU(inplace),
        Models.Activation.ELU => new ELU(1.0, inplace),
        Models.Activation.GELU => GELU(),
        Models.Activation.Sigmoid => Sigmoid(),
        _ => throw new ArgumentOutOfRangeException(nameof(Settings.Activation)),
    };

    public Module<Tensor, Tensor>? Dropout(bool enabled) =>
        enabled && Settings.Dropout > 0 ? new PackedDropout(Settings.Dropout) : null;
}

/// <summary>
/// Pixel shuffle of a 5-D tensor [N, C·rt·r·r, T, H, W] to [N, C, T·rt, H·r, W·r]; libtorch's
/// pixel_shuffle only handles the last three axes. Input channel c·rt·r·r + a·r·r + i·r + j at
/// (t, h, w) goes to channel c at (t·rt + a, h·r + i, w·r + j), as UNET.md defines. A channels-last
/// input gives a channels-last output (the copy is written in that order), so the layers after it
/// need no reorder.
/// </summary>
internal sealed class PixelShuffle3d : Module<Tensor, Tensor>
{
    private readonly int _r, _rt;

    public PixelShuffle3d(int r, int rt) : base(nameof(PixelShuffle3d))
    {
        _r = r;
        _rt = rt;
    }

    public override Tensor forward(Tensor x)
    {
        long n = x.shape[0], c = x.shape[1] / (_rt * _r * _r), t = x.shape[2], h = x.shape[3], w = x.shape[4];
        var split = x.view(n, c, _rt, _r, _r, t, h, w);
        if (c > 1 && ChannelsLast.Is(x))
            return split.permute(0, 5, 2, 6, 3, 7, 4, 1)
                .reshape(n, t * _rt, h * _r, w * _r, c)
                .permute(0, 4, 1, 2, 3);
        return split.permute(0, 1, 5, 2, 6, 3, 7, 4)
            .reshape(n, c, t * _rt, h * _r, w * _r);
    }
}
