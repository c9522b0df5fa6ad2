namespace DataPipeline.Engine.Simulation;

/// <summary>
/// Draws an isotropic Gaussian blob centred at a sub-pixel position into an image, combining with
/// what is there by maximum (overlapping scatterers keep their peaks, as in the lab's original
/// simulator) or by sum. Only a window of ±4 sigma is touched: the original convolved every
/// impulse with a full-frame kernel, O(N^4) per scatterer.
/// </summary>
internal static class GaussianSplat
{
    private const double TruncateSigmas = 4.0;

    /// <param name="image">Row-major plane of <paramref name="height"/> x <paramref name="width"/>.</param>
    /// <param name="offset">Start of the plane within <paramref name="image"/> (for [T, H, W] arrays).</param>
    public static void Draw(float[] image, int offset, int height, int width,
        double row, double column, double sigma, double amplitude, PsfCombine combine)
    {
        double reach = TruncateSigmas * sigma;
        int r0 = Math.Max(0, (int)Math.Floor(row - reach));
        int r1 = Math.Min(height - 1, (int)Math.Ceiling(row + reach));
        int c0 = Math.Max(0, (int)Math.Floor(column - reach));
        int c1 = Math.Min(width - 1, (int)Math.Ceiling(column + reach));
        if (r0 > r1 || c0 > c1) return;

        // Separable: exp(-(dr²+dc²)/2s²) = exp(-dr²/2s²)·exp(-dc²/2s²).
        double inv = 1.0 / (2 * sigma * sigma);
        Span<double> columnWeights = c1 - c0 + 1 <= 256 ? stackalloc double[c1 - c0 + 1] : new double[c1 - c0 + 1];
        for (int c = c0; c <= c1; c++)
        {
            double d = c - column;
            columnWeights[c - c0] = Math.Exp(-d * d * inv);
        }
        for (int r = r0; r <= r1; r++)
        {
            double d = r - row;
            double rowWeight = amplitude * Math.Exp(-d * d * inv);
            int line = offset + r * width;
            for (int c = c0; c <= c1; c++)
            {
                float v = (float)(rowWeight * columnWeights[c - c0]);
                if (combine == PsfCombine.Sum) image[line + c] += v;
                else if (v > image[line + c]) image[line + c] = v;
            }
        }
    }
}
