namespace DataPipeline.Engine.Evaluation.Localisers;

/// <summary>
/// Parthasarathy's radial-symmetry centre (Nat. Methods 9, 724, 2012; radialcenter.m): the point
/// closest, in a weighted least-squares sense, to the lines through every pixel corner along the
/// local intensity gradient (Roberts cross, smoothed 3x3), each weighted by the squared gradient
/// magnitude over its distance to the gradient-weighted centroid. Exact for any radially symmetric
/// spot up to sampling; no iteration.
/// </summary>
internal static class RadialSymmetry
{
    /// <summary>The centre of <paramref name="patch"/> ((2·half + 1) square) as an offset from its centre pixel.</summary>
    public static PointPx Centre(double[,] patch, int half)
    {
        int n = 2 * half + 1, m = n - 1; // gradients live on the m x m grid of pixel corners
        var du = new double[m, m];
        var dv = new double[m, m];
        for (int r = 0; r < m; r++)
        {
            for (int c = 0; c < m; c++)
            {
                du[r, c] = patch[r, c + 1] - patch[r + 1, c];
                dv[r, c] = patch[r, c] - patch[r + 1, c + 1];
            }
        }
        var fdu = Smooth(du);
        var fdv = Smooth(dv);

        // Corner (r, c) sits at offset (r − half + 0.5, c − half + 0.5) from the centre pixel.
        var slope = new double[m, m];
        var intercept = new double[m, m];
        var magnitude = new double[m, m];
        double sum = 0, rowCentroid = 0, columnCentroid = 0, largestSlope = 0;
        for (int r = 0; r < m; r++)
        {
            for (int c = 0; c < m; c++)
            {
                // The gradient's slope dy/dx in the rotated (Roberts) frame, as in radialcenter.m;
                // the unsmoothed gradients stand in where the smoothed ones cancel.
                double s = -(fdv[r, c] + fdu[r, c]) / (fdu[r, c] - fdv[r, c]);
                if (double.IsNaN(s)) s = -(dv[r, c] + du[r, c]) / (du[r, c] - dv[r, c]);
                if (double.IsNaN(s)) s = 0;
                slope[r, c] = s;
                if (!double.IsInfinity(s)) largestSlope = Math.Max(largestSlope, Math.Abs(s));
                double g = fdu[r, c] * fdu[r, c] + fdv[r, c] * fdv[r, c];
                magnitude[r, c] = g;
                sum += g;
                rowCentroid += g * (r - half + 0.5);
                columnCentroid += g * (c - half + 0.5);
            }
        }
        if (!(sum > 0)) return new PointPx(0, 0); // a flat patch: nothing points anywhere
        rowCentroid /= sum;
        columnCentroid /= sum;

        double sw = 0, smmw = 0, smw = 0, smbw = 0, sbw = 0;
        for (int r = 0; r < m; r++)
        {
            for (int c = 0; c < m; c++)
            {
                double y = r - half + 0.5, x = c - half + 0.5;
                double s = double.IsInfinity(slope[r, c]) ? 10 * largestSlope : slope[r, c]; // radialcenter.m's stand-in for a vertical line
                double b = y - s * x;
                double distance = Math.Sqrt((x - columnCentroid) * (x - columnCentroid) + (y - rowCentroid) * (y - rowCentroid));
                // A corner exactly at the centroid has no direction to weigh; it is left out.
                if (!(distance > 0)) continue;
                double w = magnitude[r, c] / distance / (s * s + 1);
                sw += w;
                smmw += s * s * w;
                smw += s * w;
                smbw += s * b * w;
                sbw += b * w;
            }
        }
        double det = smw * smw - smmw * sw;
        if (!(Math.Abs(det) > 0)) return new PointPx(rowCentroid, columnCentroid);
        double xc = (smbw * sw - smw * sbw) / det;
        double yc = (smbw * smw - smmw * sbw) / det;
        return new PointPx(yc, xc);
    }

    // 3x3 box filter, zeros beyond the edge (MATLAB's conv2(..., 'same')).
    private static double[,] Smooth(double[,] values)
    {
        int m = values.GetLength(0);
        var smoothed = new double[m, m];
        for (int r = 0; r < m; r++)
        {
            for (int c = 0; c < m; c++)
            {
                double total = 0;
                for (int dr = -1; dr <= 1; dr++)
                    for (int dc = -1; dc <= 1; dc++)
                        if (r + dr >= 0 && r + dr < m && c + dc >= 0 && c + dc < m) total += values[r + dr, c + dc];
                smoothed[r, c] = total / 9;
            }
        }
        return smoothed;
    }
}
