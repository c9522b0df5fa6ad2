using DataPipeline.Engine.Configuration;

namespace DataPipeline.Engine.Models;

/// <summary>
/// The closed-form trainable parameter count of UNET.md ("Parameter count"). The built network is
/// checked against it, as peer_unet.py checks its own, so the two sides provably build the same net.
/// Beyond UNET.md, the original's other sub-pixel up-samplings (issue 17), with s = 4·st:
/// <code>
/// up(c)     = s*c*c + s*c             [subpixel, alias conv_subpixel: conv1 c -> s*c, shuffle]
///           = 0                       [simple_subpixel: the shuffle alone, c/s channels out]
///           = (c/s)*c + c             [shuffle_conv: shuffle, conv1 c/s -> c]
/// u(c)      = c/s for simple_subpixel, else c          (the Up's output channels)
/// merged(i) = u(ch[i]) + (concat ? ch[i] : 0)           (replaces m*ch[i] in the decoder entry conv1 and the head)
/// </code>
/// Checked against torch 1.13 by bench/peers/peer_unet_rows.py (tests/Unit/Engine/UNetRowsTests.cs).
/// </summary>
public static class UNetParameterFormula
{
    /// <param name="timeSteps">T of the input sequences; only temporal_head = conv needs it (0: unknown).</param>
    /// <exception cref="OverflowException">The count does not fit a long (an absurd configuration).</exception>
    /// <exception cref="ArgumentException">A temporal head on a 2-D model, or a conv head with T unknown.</exception>
    public static long Count(ModelSettings s, int sizeRatio, int timeSteps = 0)
    {
        CheckTemporalHead(s, timeSteps);
        checked
        {
        bool is3D = s.Dims == 3;
        long k = s.Kernel, kt = is3D ? s.TemporalKernel : 1;
        long K = kt * k * k;
        long Ks = kt * (2 * k - 1) * (2 * k - 1);
        long st = is3D && s.TemporalDownscaling ? 2 : 1;
        long sub = 4 * st;
        long b = s.BatchNorm ? 2 : 0;
        bool concat = s.Skip == SkipMerge.Concat;
        long F = s.Filters, r = sizeRatio;
        int D = s.Depth;
        long Ch(int i) => F << i;

        long Conv1(long ci, long co) => ci * co + co;
        long Res(long ci, long co) => b * ci + K * ci * co + co + b * co + K * co * co + co;
        long DownP(long c) => s.DownSampling == DownSampling.Stride ? Ks * c * c + c : K * c * c + c;
        long UpP(long c) => s.UpSampling switch
        {
            UpSampling.Subpixel => sub * c * c + sub * c,   // conv1 c -> s*c
            UpSampling.SimpleSubpixel => 0,                  // the shuffle alone
            UpSampling.ShuffleConv => Conv1(c / sub, c),    // shuffle, then conv1 c/s -> c
            _ => K * c * c + c,                              // transpose, nearest
        };
        // Channels the Up gives (c / s for the bare shuffle), then after the merge at level i.
        long UpOut(long c) => s.UpSampling == UpSampling.SimpleSubpixel ? c / sub : c;
        long Merged(int i) => UpOut(Ch(i)) + (concat ? Ch(i) : 0);

        long total = 0;
        for (int i = 0; i < D; i++)
            total += Conv1(i == 0 ? s.InChannels : Ch(i - 1), Ch(i)) + Res(Ch(i), Ch(i)) + DownP(Ch(i));
        total += Res(Ch(D - 1), Ch(D));
        for (int i = 0; i < D; i++)
            total += Conv1(i == D - 1 ? Ch(D) : Merged(i + 1), Ch(i)) + Res(Ch(i), Ch(i)) + UpP(Ch(i));
        if (r > 1) total += Conv1(Merged(0), F * r * r);
        long c = r > 1 ? F : Merged(0);
        // temporal_head = conv: Conv3d(c, c, kernel (T, 1, 1)) with bias; mean and max have none.
        if (s.TemporalHead == TemporalHead.Conv) total += timeSteps * c * c + c;
        total += Conv1(c, 1);
        return total;
        }
    }

    /// <summary>Refuses a temporal head that cannot be built: on a 2-D model, or conv without a known T.</summary>
    public static void CheckTemporalHead(ModelSettings s, int timeSteps)
    {
        if (s.TemporalHead != TemporalHead.None && s.Dims != 3)
            throw new ArgumentException(
                $"[model] temporal_head = {s.TemporalHead.ToString().ToLowerInvariant()} reduces the T axis of a 3-D model; set dims = 3 (sequences) or temporal_head = \"none\".");
        if (s.TemporalHead == TemporalHead.Conv && timeSteps < 1)
            throw new ArgumentException(
                "[model] temporal_head = \"conv\" learns one weight per time step, so it needs T: train on sequences, or give New-UNetModel a config whose [simulation] frames is T.");
    }
}
