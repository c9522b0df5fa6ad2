using DataPipeline.Engine.Runtime;
using static TorchSharp.torch;

namespace DataPipeline.Engine.Clutter;

// Clutter/ is the concern of separating flow from tissue in acquired sequences; it is used by imported
// data (Mat/) and by simulated data (Physics/) alike, so it belongs to neither.

/// <summary>
/// The spatio-temporal SVD clutter filter of ultrafast Doppler and ULM (Demené et al., IEEE TMI 2015):
/// a [T, H, W] block is the Casorati matrix C = [H·W, T] (one column per time step); its singular
/// components are ordered by energy, tissue (slow, spatially coherent) takes the first ones, noise the last
/// ones, and the flow lies between. The filter keeps components lo..hi (1-based, as PALA's
/// SVDfilter(IQ, [lo hi])) and removes the rest.
///
/// Keeping components K is the projection C·V_K·V_Kᴴ onto their right (temporal) singular vectors, a
/// [T, T] matrix: <see cref="Fit"/> returns it, so the same projection can be applied to the parts of a
/// sum (the tests measure the bubble-to-tissue gain that way). Computed on TorchSharp's linalg in float64.
/// </summary>
public sealed class SvdClutterFilter
{
    private readonly double[] _re, _im; // the [T, T] projection, row-major: filtered[t] = Σ_s P[t, s]·x[s]

    private SvdClutterFilter(int steps, double[] re, double[] im)
    {
        Steps = steps;
        _re = re;
        _im = im;
    }

    public int Steps { get; }

    /// <summary>Filters the block in place (<paramref name="im"/> null for real data).</summary>
    public static void Apply(double[] re, double[]? im, int[] shape, int lo, int hi) =>
        Fit(re, im, shape, lo, hi).Project(re, im);

    /// <summary>The filter for this block: the projection onto its singular components lo..hi (hi above T is T).</summary>
    public static SvdClutterFilter Fit(double[] re, double[]? im, int[] shape, int lo, int hi)
    {
        ArgumentNullException.ThrowIfNull(re);
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length != 3)
            throw new ArgumentException($"The SVD clutter filter needs a [T, H, W] sequence; got [{string.Join("x", shape)}].", nameof(shape));
        int t = shape[0], pixels = shape[1] * shape[2];
        if (re.Length != t * pixels || (im is not null && im.Length != re.Length))
            throw new ArgumentException($"A [{string.Join("x", shape)}] block needs {t * pixels} values per part; got {re.Length}.", nameof(re));
        if (lo < 1 || hi < lo)
            throw new ArgumentOutOfRangeException(nameof(lo), $"svd_cutoff must be [lo, hi] with 1 <= lo <= hi; got [{lo}, {hi}].");
        if (lo > t)
            throw new ArgumentOutOfRangeException(nameof(lo), $"svd_cutoff = [{lo}, {hi}] keeps no component of a sequence of {t} time steps; lo must be at most {t}.");
        int keep = Math.Min(hi, t) - lo + 1;

        TorchRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        // Rows are time steps: X = Cᵀ, so C's right singular vectors are X's left ones (conjugated),
        // and the filter is X ← U_K·U_Kᴴ·X, a [T, T] matrix on the left.
        var x = tensor(re, [t, pixels], ScalarType.Float64);
        if (im is not null) x = complex(x, tensor(im, [t, pixels], ScalarType.Float64));
        var (u, _, _) = linalg.svd(x, fullMatrices: false);
        var kept = u.narrow(1, lo - 1, keep);
        var projection = matmul(kept, kept.conj().transpose(0, 1)).resolve_conj();
        double[] pr, pi;
        if (projection.is_complex())
        {
            pr = real(projection).contiguous().data<double>().ToArray();
            pi = imag(projection).contiguous().data<double>().ToArray();
        }
        else
        {
            pr = projection.contiguous().data<double>().ToArray();
            pi = new double[pr.Length];
        }
        return new SvdClutterFilter(t, pr, pi);
    }

    /// <summary>Applies the projection to a block of the same T (in place); real blocks take its real part.</summary>
    public void Project(double[] re, double[]? im)
    {
        int t = Steps, pixels = re.Length / t;
        if (re.Length != t * pixels || (im is not null && im.Length != re.Length))
            throw new ArgumentException($"This filter was fitted on {t} time steps; the block holds {re.Length} values.", nameof(re));
        var outRe = new double[re.Length];
        var outIm = im is null ? null : new double[re.Length];
        for (int a = 0; a < t; a++)
        {
            var rowRe = outRe.AsSpan(a * pixels, pixels);
            for (int b = 0; b < t; b++)
            {
                double cr = _re[a * t + b], ci = _im[a * t + b];
                var xr = re.AsSpan(b * pixels, pixels);
                if (im is null)
                {
                    for (int p = 0; p < pixels; p++) rowRe[p] += cr * xr[p];
                    continue;
                }
                var xi = im.AsSpan(b * pixels, pixels);
                var rowIm = outIm!.AsSpan(a * pixels, pixels);
                for (int p = 0; p < pixels; p++)
                {
                    rowRe[p] += cr * xr[p] - ci * xi[p];
                    rowIm[p] += cr * xi[p] + ci * xr[p];
                }
            }
        }
        outRe.CopyTo(re, 0);
        outIm?.CopyTo(im!, 0);
    }

    /// <summary>Filters a real float block [T, H, W] in place (an imported frame's data).</summary>
    public static void Apply(float[] values, int[] shape, int lo, int hi)
    {
        var re = Array.ConvertAll(values, v => (double)v);
        Apply(re, null, shape, lo, hi);
        for (int i = 0; i < values.Length; i++) values[i] = (float)re[i];
    }
}
