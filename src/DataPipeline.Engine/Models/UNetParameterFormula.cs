using DataPipeline.Engine.Configuration;

namespace DataPipeline.Engine.Models;

/// <summary>
/// The closed-form trainable parameter count of UNET.md ("Parameter count"). The built network is
/// checked against it, as peer_unet.py checks its own, so the two sides provably build the same net.
/// </summary>
public static class UNetParameterFormula
{
    /// <exception cref="OverflowException">The count does not fit a long (an absurd configuration).</exception>
    public static long Count(ModelSettings s, int sizeRatio)
    {
        checked
        {
        bool is3D = s.Dims == 3;
        long k = s.Kernel, kt = is3D ? s.TemporalKernel : 1;
        long K = kt * k * k;
        long Ks = kt * (2 * k - 1) * (2 * k - 1);
        long st = is3D && s.TemporalDownscaling ? 2 : 1;
        long sub = 4 * st;
        long b = s.BatchNorm ? 2 : 0;
        long m = s.Skip == SkipMerge.Concat ? 2 : 1;
        long F = s.Filters, r = sizeRatio;
        int D = s.Depth;
        long Ch(int i) => F << i;

        long Conv1(long ci, long co) => ci * co + co;
        long Res(long ci, long co) => b * ci + K * ci * co + co + b * co + K * co * co + co;
        long DownP(long c) => s.DownSampling == DownSampling.Stride ? Ks * c * c + c : K * c * c + c;
        long UpP(long c) => s.UpSampling == UpSampling.Subpixel ? sub * c * c + sub * c : K * c * c + c;

        long total = 0;
        for (int i = 0; i < D; i++)
            total += Conv1(i == 0 ? s.InChannels : Ch(i - 1), Ch(i)) + Res(Ch(i), Ch(i)) + DownP(Ch(i));
        total += Res(Ch(D - 1), Ch(D));
        for (int i = 0; i < D; i++)
            total += Conv1(i == D - 1 ? Ch(D) : m * Ch(i + 1), Ch(i)) + Res(Ch(i), Ch(i)) + UpP(Ch(i));
        if (r > 1) total += Conv1(m * F, F * r * r);
        total += Conv1(r > 1 ? F : m * F, 1);
        return total;
        }
    }
}
