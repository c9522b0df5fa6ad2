using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DataPipeline.Engine.Models;

/// <summary>
/// The temporal head of a 3-D U-Net ([model] temporal_head): [N, C, T, H, W] to [N, C, 1, H, W],
/// applied to the tensor the output conv1 reads, so the output is one 2-D map per sequence (the
/// U-Net squeezes the unit T axis after its output conv). The original summed its per-frame slices
/// with no weights; mean keeps the scale of one frame, max keeps a bubble seen at any one step,
/// and conv learns one weight per time step and channel pair: Conv3d(C, C, kernel (T, 1, 1)), no
/// padding, with bias (T·C·C + C parameters), which fixes T.
/// </summary>
internal sealed class TemporalReduction : Module<Tensor, Tensor>
{
    private readonly TemporalHead _kind;
    private readonly Module<Tensor, Tensor>? conv;
    private readonly long[] _time = [2];

    public TemporalReduction(TemporalHead kind, long channels, int timeSteps) : base(nameof(TemporalReduction))
    {
        if (kind == TemporalHead.None) throw new ArgumentOutOfRangeException(nameof(kind), "A temporal head reduces T: mean, max or conv.");
        _kind = kind;
        if (kind == TemporalHead.Conv) conv = Conv3d(channels, channels, (timeSteps, 1, 1));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => _kind switch
    {
        TemporalHead.Mean => x.mean(_time, keepdim: true),
        TemporalHead.Max => x.amax(_time, keepdim: true),
        _ => conv!.call(x),
    };
}
