using DataPipeline.Engine.Frames;

namespace DataPipeline.Engine.Batching;

/// <summary>
/// The continuous part of a draw's motion: about the frame's centre, zoom, then shear, then
/// rotation (A = R · Sh · Z), then the shift, then the elastic field. Pixels are resampled by
/// inverse mapping (output pixel centre back to the source); positions go forward through the
/// same map, and the elastic field, defined on the output, is inverted by fixed-point iteration.
/// Coordinates are continuous with the frame's corner at 0 (u = index + 0.5), in data pixels; a
/// plane at ratio r has r of its pixels per data pixel, so it moves the same in its own units.
/// </summary>
internal static class AugmentGeometry
{
    /// <summary>The inverse of A as a 2x2 matrix (row-major) for this draw.</summary>
    private static (double A, double B, double C, double D) InverseLinear(AugmentDraw draw)
    {
        double theta = draw.AngleDeg * Math.PI / 180, cos = Math.Cos(theta), sin = Math.Sin(theta);
        double k = Math.Tan(draw.ShearDeg * Math.PI / 180), z = draw.Zoom;
        // Z^-1 · Sh^-1 · R^-1 with R^-1 = [[cos, sin], [-sin, cos]] and Sh^-1 = [[1, 0], [-k, 1]].
        return (cos / z, sin / z, (-k * cos - sin) / z, (cos - k * sin) / z);
    }

    /// <summary>One plane [h, w] (at <paramref name="ratio"/> pixels per data pixel) resampled under the draw.</summary>
    public static void Resample(ReadOnlySpan<float> src, Span<float> dst, int h, int w, AugmentDraw draw, int ratio, float fill)
    {
        var (ma, mb, mc, md) = InverseLinear(draw);
        double cr = h / 2.0, cc = w / 2.0;
        double sr = draw.ShiftRow * ratio, sc = draw.ShiftColumn * ratio;
        var elastic = draw.Elastic;
        for (int i = 0; i < h; i++)
        {
            var row = dst.Slice(i * w, w);
            if (elastic is null)
            {
                // Source coordinates are linear along a row, so they are stepped rather than recomputed.
                double a = i + 0.5 - cr - sr, b = 0.5 - cc - sc;
                double y = ma * a + mb * b + cr - 0.5, x = mc * a + md * b + cc - 0.5;
                for (int j = 0; j < w; j++, y += mb, x += md)
                    row[j] = y >= 0 && y < h - 1 && x >= 0 && x < w - 1
                        ? PlaneSampler.Interior(src, w, y, x)
                        : PlaneSampler.Sample(src, h, w, y, x, draw.Fill, fill);
                continue;
            }
            for (int j = 0; j < w; j++)
            {
                var (er, ec) = elastic.At((i + 0.5) / ratio, (j + 0.5) / ratio);
                double a = i + 0.5 + er * ratio - cr - sr, b = j + 0.5 + ec * ratio - cc - sc;
                double y = ma * a + mb * b + cr - 0.5, x = mc * a + md * b + cc - 0.5;
                row[j] = PlaneSampler.Sample(src, h, w, y, x, draw.Fill, fill);
            }
        }
    }

    /// <summary>
    /// Positions (data pixels, centres at integers) under the whole motion, flips and quarter turns
    /// included. Those that land outside the frame are dropped, as the data and label lose them;
    /// under fill mode reflect, the mirror images that the reflected frame shows inside are added
    /// (same scatterer and time step), so that the positions list what the label shows.
    /// </summary>
    public static IReadOnlyList<ScattererPosition> Forward(IReadOnlyList<ScattererPosition> positions, int h, int w, AugmentDraw draw)
    {
        double cr = h / 2.0, cc = w / 2.0;
        double theta = draw.AngleDeg * Math.PI / 180, cos = Math.Cos(theta), sin = Math.Sin(theta);
        double k = Math.Tan(draw.ShearDeg * Math.PI / 180), z = draw.Zoom;
        int q = ((draw.Quarters % 4) + 4) % 4;
        var moved = new List<ScattererPosition>(positions.Count);
        Span<double> rows = stackalloc double[6], columns = stackalloc double[6];
        foreach (var p in positions)
        {
            int images = Images(p.Row + 0.5, h, draw.Fill, rows);
            int imageColumns = Images(p.Column + 0.5, w, draw.Fill, columns);
            for (int a = 0; a < images; a++)
            for (int b = 0; b < imageColumns; b++)
            {
                double ur = rows[a], uc = columns[b];
                if (draw.FlipRows) ur = h - ur;
                if (draw.FlipColumns) uc = w - uc;
                double dr = ur - cr, dc = uc - cc;
                for (int turn = 0; turn < q; turn++) (dr, dc) = (-dc, dr);
                (dr, dc) = (z * dr, z * dc);
                dc += k * dr;
                (dr, dc) = (cos * dr - sin * dc, sin * dr + cos * dc);
                double vr = dr + cr + draw.ShiftRow, vc = dc + cc + draw.ShiftColumn;
                if (draw.Elastic is { } field) (vr, vc) = InvertElastic(field, vr, vc);
                if (vr >= 0 && vr < h && vc >= 0 && vc < w) moved.Add(p with { Row = vr - 0.5, Column = vc - 0.5 });
            }
        }
        return moved;
    }

    /// <summary>
    /// The coordinate itself, and under reflect its mirror images near the frame (-u, 2n - u, ...),
    /// the ones a moderate transform can bring inside. Returns how many were written.
    /// </summary>
    private static int Images(double u, int n, FillMode mode, Span<double> into)
    {
        into[0] = u;
        if (mode != FillMode.Reflect) return 1;
        into[1] = -u;
        into[2] = 2.0 * n - u;
        into[3] = u - 2.0 * n;
        into[4] = u + 2.0 * n;
        into[5] = -u - 2.0 * n;
        return 6;
    }

    /// <summary>
    /// The output point U whose sample U + D(U) is <paramref name="vr"/>, <paramref name="vc"/>:
    /// U = V - D(U) iterated, which converges for any smooth field whose gradient stays below 1.
    /// </summary>
    private static (double Row, double Column) InvertElastic(ElasticField field, double vr, double vc)
    {
        double ur = vr, uc = vc;
        for (int iteration = 0; iteration < 50; iteration++)
        {
            var (er, ec) = field.At(ur, uc);
            double nr = vr - er, nc = vc - ec;
            bool settled = Math.Abs(nr - ur) < 1e-9 && Math.Abs(nc - uc) < 1e-9;
            (ur, uc) = (nr, nc);
            if (settled) break;
        }
        return (ur, uc);
    }
}
