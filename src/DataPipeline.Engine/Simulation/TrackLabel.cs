using DataPipeline.Engine.Frames;

namespace DataPipeline.Engine.Simulation;

/// <summary>
/// The track label of a sequence: one 2-D image at the label resolution in which every scatterer's
/// straight-line path from step 0 to its last step is drawn with sub-pixel accuracy. A pixel's value
/// depends only on its distance d to the path (never on the direction of travel, so right-to-left and
/// vertical paths are drawn like any other, the original's quadrant error): 1 − d for a sharp,
/// anti-aliased line one pixel wide (sigma 0), or exp(−d² / 2σ²) for a blurred track
/// (the original's TracksWithGaussian). Paths are combined by max, so the label stays in [0, 1].
/// </summary>
public static class TrackLabel
{
    /// <summary>
    /// Renders the paths of <paramref name="positions"/> (data pixels, any order) on a
    /// [height·ratio, width·ratio] image; a data coordinate x is at label coordinate (x + 0.5)·ratio − 0.5.
    /// </summary>
    public static float[] Render(IReadOnlyList<ScattererPosition> positions, int height, int width, int ratio, double sigmaPx)
    {
        if (ratio < 1) throw new ArgumentOutOfRangeException(nameof(ratio), ratio, "The size ratio is 1 or more.");
        int labelHeight = height * ratio, labelWidth = width * ratio;
        var label = new float[labelHeight * labelWidth];
        foreach (var scatterer in positions.GroupBy(p => p.Scatterer))
        {
            var path = scatterer.OrderBy(p => p.TimeStep)
                .Select(p => ((p.Row + 0.5) * ratio - 0.5, (p.Column + 0.5) * ratio - 0.5))
                .ToList();
            DrawPath(label, labelHeight, labelWidth, path, sigmaPx);
        }
        return label;
    }

    /// <summary>Draws one path (label pixel coordinates, in order) into <paramref name="label"/> by max.</summary>
    public static void DrawPath(float[] label, int height, int width, IReadOnlyList<(double Row, double Column)> path, double sigmaPx)
    {
        if (!(sigmaPx >= 0) || double.IsInfinity(sigmaPx))
            throw new ArgumentOutOfRangeException(nameof(sigmaPx), sigmaPx, "The track blur is a finite sigma of 0 or more pixels.");
        if (path.Count == 0) return;
        // How far from the path a pixel can still get a value: one pixel for the sharp line, 4 sigma for the blur.
        double reach = sigmaPx > 0 ? 4 * sigmaPx : 1;
        // A path of one point (a scatterer seen at one step) is a segment of no length: a dot.
        for (int i = 0; i < Math.Max(1, path.Count - 1); i++)
        {
            var a = path[i];
            var b = path[Math.Min(i + 1, path.Count - 1)];
            int r0 = Math.Max(0, (int)Math.Floor(Math.Min(a.Row, b.Row) - reach));
            int r1 = Math.Min(height - 1, (int)Math.Ceiling(Math.Max(a.Row, b.Row) + reach));
            int c0 = Math.Max(0, (int)Math.Floor(Math.Min(a.Column, b.Column) - reach));
            int c1 = Math.Min(width - 1, (int)Math.Ceiling(Math.Max(a.Column, b.Column) + reach));
            for (int r = r0; r <= r1; r++)
            {
                for (int c = c0; c <= c1; c++)
                {
                    double d = DistanceToSegment(r, c, a, b);
                    double value = sigmaPx > 0 ? Math.Exp(-d * d / (2 * sigmaPx * sigmaPx)) : 1 - d;
                    if (d > reach || value <= 0) continue;
                    int index = r * width + c;
                    if (value > label[index]) label[index] = (float)value;
                }
            }
        }
    }

    private static double DistanceToSegment(double row, double column, (double Row, double Column) a, (double Row, double Column) b)
    {
        double dr = b.Row - a.Row, dc = b.Column - a.Column;
        double squared = dr * dr + dc * dc;
        double t = squared > 0 ? Math.Clamp(((row - a.Row) * dr + (column - a.Column) * dc) / squared, 0, 1) : 0;
        double pr = a.Row + t * dr - row, pc = a.Column + t * dc - column;
        return Math.Sqrt(pr * pr + pc * pc);
    }
}
