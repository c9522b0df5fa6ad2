namespace DataPipeline.Engine.Evaluation.Localisers;

/// <summary>
/// Least-squares fit of A·exp(−((r − r0)² + (c − c0)²) / (2σ²)) + B to a patch by Levenberg-Marquardt,
/// started from the patch's weighted centroid. The centre is kept only when the fit converges inside
/// the patch; otherwise the start is returned, as a fit that ran off is worse than no fit.
/// </summary>
internal static class GaussianFit
{
    private const int MaxIterations = 50;
    private const int Parameters = 5; // A, r0, c0, sigma, B

    /// <summary>The fitted centre of <paramref name="patch"/> ((2·half + 1) square) as an offset from its centre pixel.</summary>
    public static PointPx Centre(double[,] patch, int half)
    {
        int n = 2 * half + 1;
        double min = double.PositiveInfinity, max = double.NegativeInfinity, sum = 0, rowSum = 0, columnSum = 0;
        foreach (double v in patch)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        for (int r = 0; r < n; r++)
        {
            for (int c = 0; c < n; c++)
            {
                double w = patch[r, c] - min;
                sum += w;
                rowSum += w * (r - half);
                columnSum += w * (c - half);
            }
        }
        if (!(max > min)) return new PointPx(0, 0);
        var start = new PointPx(rowSum / sum, columnSum / sum);
        double[] p = [max - min, start.Row, start.Column, Math.Max(0.5, half / 2.0), min];
        double lambda = 1e-3, error = Residual(patch, half, p, null, null);
        var jtj = new double[Parameters, Parameters];
        var jtr = new double[Parameters];
        for (int iteration = 0; iteration < MaxIterations; iteration++)
        {
            Residual(patch, half, p, jtj, jtr);
            bool improved = false;
            // Raise the damping until a step lowers the error (or the step vanishes).
            while (lambda < 1e10)
            {
                var step = Solve(jtj, jtr, lambda);
                if (step is null) break;
                var trial = p.Zip(step, (a, b) => a + b).ToArray();
                double trialError = trial[3] > 0 ? Residual(patch, half, trial, null, null) : double.PositiveInfinity;
                if (trialError < error)
                {
                    bool converged = error - trialError <= 1e-14 * (1 + error);
                    (p, error, lambda, improved) = (trial, trialError, lambda / 10, !converged);
                    break;
                }
                lambda *= 10;
            }
            if (!improved) break;
        }
        bool inside = Math.Abs(p[1]) <= half && Math.Abs(p[2]) <= half && p[0] > 0;
        return inside ? new PointPx(p[1], p[2]) : start;
    }

    // Sum of squared residuals; with jtj and jtr given, also the Gauss-Newton normal equations JᵀJ and Jᵀr.
    private static double Residual(double[,] patch, int half, double[] p, double[,]? jtj, double[]? jtr)
    {
        if (jtj is not null)
        {
            Array.Clear(jtj);
            Array.Clear(jtr!);
        }
        int n = 2 * half + 1;
        double amplitude = p[0], r0 = p[1], c0 = p[2], sigma = p[3], background = p[4], total = 0;
        Span<double> j = stackalloc double[Parameters];
        for (int r = 0; r < n; r++)
        {
            for (int c = 0; c < n; c++)
            {
                double dr = r - half - r0, dc = c - half - c0, s2 = sigma * sigma;
                double e = Math.Exp(-(dr * dr + dc * dc) / (2 * s2));
                double residual = patch[r, c] - (amplitude * e + background);
                total += residual * residual;
                if (jtj is null) continue;
                j[0] = e;
                j[1] = amplitude * e * dr / s2;
                j[2] = amplitude * e * dc / s2;
                j[3] = amplitude * e * (dr * dr + dc * dc) / (s2 * sigma);
                j[4] = 1;
                for (int a = 0; a < Parameters; a++)
                {
                    jtr![a] += j[a] * residual;
                    for (int b = 0; b < Parameters; b++) jtj[a, b] += j[a] * j[b];
                }
            }
        }
        return total;
    }

    // (JᵀJ + λ·diag(JᵀJ)) δ = Jᵀr by Gaussian elimination with partial pivoting; null when singular.
    private static double[]? Solve(double[,] jtj, double[] jtr, double lambda)
    {
        var a = new double[Parameters, Parameters + 1];
        for (int r = 0; r < Parameters; r++)
        {
            for (int c = 0; c < Parameters; c++) a[r, c] = jtj[r, c] + (r == c ? lambda * jtj[r, c] : 0);
            a[r, Parameters] = jtr[r];
        }
        for (int k = 0; k < Parameters; k++)
        {
            int pivot = k;
            for (int r = k + 1; r < Parameters; r++)
                if (Math.Abs(a[r, k]) > Math.Abs(a[pivot, k])) pivot = r;
            if (!(Math.Abs(a[pivot, k]) > 1e-300)) return null;
            if (pivot != k)
                for (int c = k; c <= Parameters; c++) (a[k, c], a[pivot, c]) = (a[pivot, c], a[k, c]);
            for (int r = k + 1; r < Parameters; r++)
            {
                double f = a[r, k] / a[k, k];
                for (int c = k; c <= Parameters; c++) a[r, c] -= f * a[k, c];
            }
        }
        var x = new double[Parameters];
        for (int r = Parameters - 1; r >= 0; r--)
        {
            double v = a[r, Parameters];
            for (int c = r + 1; c < Parameters; c++) v -= a[r, c] * x[c];
            x[r] = v / a[r, r];
        }
        return x;
    }
}
