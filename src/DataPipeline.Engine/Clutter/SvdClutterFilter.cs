using DataPipeline.Engine.Configuration;
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
/// [T, T] matrix: <see cref="Fit(double[], double[], int[], int, int)"/> returns it, so the same projection
/// can be applied to the parts of a sum (the tests measure the bubble-to-tissue gain that way). Computed on
/// TorchSharp's linalg in float64.
///
/// The adaptive cutoff (svd_cutoff = "auto") removes the leading components whose singular value stands
/// more than <see cref="AutoMarginDb"/> above the median singular value, and keeps all the others (hi = T).
/// Why this criterion: tissue is orders of magnitude stronger than blood and so coherent in time that it
/// fills only the first few components (Demené 2015, Fig. 2: the tissue singular values sit decades above a
/// slowly falling tail), while flow and noise spread over most of the T components; the median singular
/// value is therefore the blood-and-noise floor as long as tissue holds fewer than half of them. A sequence
/// without tissue has no component that far above its own floor and is left whole, which no fixed lo > 1
/// can do. It needs no probe or frame-rate parameters, unlike the Doppler-frequency criteria (Demené 2015)
/// or the spatial-similarity clustering of Baranger et al. (IEEE TMI 2018), which are more robust when
/// tissue moves fast enough to mix with flow.
/// </summary>
public sealed class SvdClutterFilter
{
    /// <summary>How far above the median singular value (amplitude, in dB) a leading component must stand to be removed as tissue.</summary>
    public const double AutoMarginDb = 20;

    private readonly double[] _re, _im; // the [T, T] projection, row-major: filtered[t] = Σ_s P[t, s]·x[s]

    private SvdClutterFilter(int steps, int low, int high, double[] re, double[] im)
    {
        Steps = steps;
        Low = low;
        High = high;
        _re = re;
        _im = im;
    }

    public int Steps { get; }

    /// <summary>The first kept component (1-based): Low - 1 components were removed as tissue.</summary>
    public int Low { get; }

    /// <summary>The last kept component (at most <see cref="Steps"/>).</summary>
    public int High { get; }

    /// <summary>Filters the block in place (<paramref name="im"/> null for real data).</summary>
    public static void Apply(double[] re, double[]? im, int[] shape, int lo, int hi) =>
        Fit(re, im, shape, lo, hi).Project(re, im);

    /// <summary>Filters the block in place with a fixed or adaptive cutoff; returns the filter, whose Low and High say what was kept.</summary>
    public static SvdClutterFilter Apply(double[] re, double[]? im, int[] shape, SvdCutoff cutoff)
    {
        var filter = Fit(re, im, shape, cutoff);
        filter.Project(re, im);
        return filter;
    }

    /// <summary>The filter for this block: the projection onto its singular components lo..hi (hi above T is T).</summary>
    public static SvdClutterFilter Fit(double[] re, double[]? im, int[] shape, int lo, int hi) =>
        Fit(re, im, shape, new SvdCutoff(lo, hi));

    /// <summary>The filter for this block with a fixed range or the adaptive cutoff.</summary>
    public static SvdClutterFilter Fit(double[] re, double[]? im, int[] shape, SvdCutoff cutoff)
    {
        ArgumentNullException.ThrowIfNull(re);
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length != 3)
            throw new ArgumentException($"The SVD clutter filter needs a [T, H, W] sequence; got [{string.Join("x", shape)}].", nameof(shape));
        int t = shape[0], pixels = shape[1] * shape[2];
        if (re.Length != t * pixels || (im is not null && im.Length != re.Length))
            throw new ArgumentException($"A [{string.Join("x", shape)}] block needs {t * pixels} values per part; got {re.Length}.", nameof(re));
        var (lo, hi) = (cutoff.Low, cutoff.High);
        if (!cutoff.IsAuto && (lo < 1 || hi < lo))
            throw new ArgumentOutOfRangeException(nameof(cutoff), $"svd_cutoff must be [lo, hi] with 1 <= lo <= hi, or \"auto\"; got [{lo}, {hi}].");
        if (!cutoff.IsAuto && lo > t)
            throw new ArgumentOutOfRangeException(nameof(cutoff), $"svd_cutoff = [{lo}, {hi}] keeps no component of a sequence of {t} time steps; lo must be at most {t}.");

        TorchRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        // Rows are time steps: X = Cᵀ, so C's right singular vectors are X's left ones (conjugated),
        // and the filter is X ← U_K·U_Kᴴ·X, a [T, T] matrix on the left.
        var x = tensor(re, [t, pixels], ScalarType.Float64);
        if (im is not null) x = complex(x, tensor(im, [t, pixels], ScalarType.Float64));
        var (u, sigma, _) = linalg.svd(x, fullMatrices: false);
        int rank = (int)sigma.shape[0];
        if (cutoff.IsAuto) (lo, hi) = (TissueComponents(sigma.data<double>().ToArray()) + 1, t);
        int keep = Math.Min(hi, rank) - lo + 1;
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
        return new SvdClutterFilter(t, lo, Math.Min(hi, t), pr, pi);
    }

    /// <summary>
    /// The adaptive cutoff: how many leading singular values (descending) stand more than
    /// <see cref="AutoMarginDb"/> above the median one. Never all of them, so something is always kept.
    /// </summary>
    public static int TissueComponents(IReadOnlyList<double> singularValues)
    {
        ArgumentNullException.ThrowIfNull(singularValues);
        if (singularValues.Count == 0) return 0;
        var sorted = singularValues.Order().ToArray();
        int n = sorted.Length;
        double median = n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
        double threshold = median * Math.Pow(10, AutoMarginDb / 20);
        int k = 0;
        while (k < n - 1 && singularValues[k] > threshold) k++;
        return k;
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
