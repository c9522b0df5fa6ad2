namespace DataPipeline.Engine.Simulation;

/// <summary>
/// Draws the GaussianMu point-spread function, a ring: amplitude · exp(-(ρ - μ)² / 2σ²) at
/// distance ρ from a sub-pixel centre, combined with the image by maximum or sum as
/// <see cref="GaussianSplat"/> does. Unlike the original, μ and σ are in pixels, not in units of a
/// grid normalised to the frame (where the ring grew with the frame size), and only the window
/// within μ + 4σ of the centre is touched.
/// </summary>
internal static class RingSplat
{
    private const double TruncateSigmas = 4.0;

    public static void Draw(float[] image, int offset, int height, int width,
        double row, double column, double radius, double sigma, double amplitude, PsfCombine combine)
    {
        double reach = radius + TruncateSigmas * sigma;
        int r0 = Math.Max(0, (int)Math.Floor(row - reach));
        int r1 = Math.Min(height - 1, (int)Math.Ceiling(row + reach));
        int c0 = Math.Max(0, (int)Math.Floor(column - reach));
        int c1 = Math.Min(width - 1, (int)Math.Ceiling(column + reach));
        double inv = 1.0 / (2 * sigma * sigma);
        for (int r = r0; r <= r1; r++)
        {
            double dr = r - row;
            int line = offset + r * width;
            for (int c = c0; c <= c1; c++)
            {
                double dc = c - column;
                double off = Math.Sqrt(dr * dr + dc * dc) - radius;
                float v = (float)(amplitude * Math.Exp(-off * off * inv));
                if (combine == PsfCombine.Sum) image[line + c] += v;
                else if (v > image[line + c]) image[line + c] = v;
            }
        }
    }
}
