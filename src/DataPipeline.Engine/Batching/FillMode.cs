using DataPipeline.Engine.Configuration;

namespace DataPipeline.Engine.Batching;

/// <summary>
/// What a geometric transform shows where it reaches outside the frame (scipy.ndimage's modes of
/// the same names; reflect is its half-sample "reflect", d c b a | a b c d | d c b a).
/// </summary>
public enum FillMode
{
    [ConfigName("nearest")] Nearest,
    [ConfigName("reflect")] Reflect,
    [ConfigName("constant")] Constant,
}

/// <summary>Sampling of one plane at continuous pixel coordinates under a fill mode.</summary>
internal static class PlaneSampler
{
    /// <summary>
    /// The plane [h, w] at index coordinates (y, x) (pixel centres at integers), bilinear inside;
    /// outside, the edge repeated, the plane mirrored, or <paramref name="fill"/>.
    /// </summary>
    public static float Sample(ReadOnlySpan<float> src, int h, int w, double y, double x, FillMode mode, float fill)
    {
        switch (mode)
        {
            // The frame covers [-0.5, h - 0.5) in index coordinates; outside it is all fill.
            case FillMode.Constant when y < -0.5 || y >= h - 0.5 || x < -0.5 || x >= w - 0.5:
                return fill;
            case FillMode.Reflect:
                y = Fold(y, h);
                x = Fold(x, w);
                break;
        }
        int y0, x0, y1, x1;
        if (y >= 0 && y < h - 1 && x >= 0 && x < w - 1)
        {
            y0 = (int)y;
            x0 = (int)x;
            y1 = y0 + 1;
            x1 = x0 + 1;
        }
        else
        {
            // At the border: repeat the edge (and cope with 1-pixel-wide planes).
            y = Math.Clamp(y, 0, h - 1);
            x = Math.Clamp(x, 0, w - 1);
            y0 = Math.Min((int)y, Math.Max(h - 2, 0));
            x0 = Math.Min((int)x, Math.Max(w - 2, 0));
            y1 = Math.Min(y0 + 1, h - 1);
            x1 = Math.Min(x0 + 1, w - 1);
        }
        float fy = (float)(y - y0), fx = (float)(x - x0);
        float a = src[y0 * w + x0], b = src[y0 * w + x1], c = src[y1 * w + x0], d = src[y1 * w + x1];
        float top = a + (b - a) * fx, bottom = c + (d - c) * fx;
        return top + (bottom - top) * fy;
    }

    /// <summary>Bilinear at (y, x) known to lie in [0, h - 1) x [0, w - 1): the common case, with no edge handling.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static float Interior(ReadOnlySpan<float> src, int w, double y, double x)
    {
        int y0 = (int)y, x0 = (int)x, k = y0 * w + x0;
        float fy = (float)(y - y0), fx = (float)(x - x0);
        float a = src[k], b = src[k + 1], c = src[k + w], d = src[k + w + 1];
        float top = a + (b - a) * fx, bottom = c + (d - c) * fx;
        return top + (bottom - top) * fy;
    }

    /// <summary>
    /// An index coordinate folded into [-0.5, n - 0.5) by mirroring at the frame's edges (period 2n
    /// in continuous coordinates u = y + 0.5), so pixel -1 is pixel 0 and pixel n is pixel n - 1.
    /// </summary>
    public static double Fold(double y, int n)
    {
        double period = 2.0 * n, m = (y + 0.5) % period;
        if (m < 0) m += period;
        if (m >= n) m = period - m;
        return m - 0.5;
    }
}
