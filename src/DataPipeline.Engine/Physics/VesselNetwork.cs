using DataPipeline.Engine.Runtime;

namespace DataPipeline.Engine.Physics;

/// <summary>
/// A branching vessel tree for one frame, in pixel coordinates: roots enter from outside the field of view,
/// wander in straight segments with small turns, and split into two daughters whose radii follow Murray's
/// law (r³ = r1³ + r2³, equal daughters: r·2^(−1/3)). Every root-to-leaf path is one <see cref="VesselPath"/>;
/// a bubble follows one path, picked in proportion to its leaf's flow (∝ r³), which is what choosing a
/// daughter at each bifurcation by its share of the flow amounts to.
/// </summary>
public sealed class VesselNetwork
{
    private const int MaxGenerations = 3;
    private const double BranchProbability = 0.3;
    private const double TurnDegrees = 15;

    private VesselNetwork(List<VesselPath> paths) => Paths = paths;

    public IReadOnlyList<VesselPath> Paths { get; }

    /// <summary>
    /// <paramref name="roots"/> trees in a field of <paramref name="size"/> pixels, root radius
    /// <paramref name="radiusPx"/>, drawn from <paramref name="random"/>.
    /// </summary>
    public static VesselNetwork Grow(int roots, int size, double radiusPx, SeededRandom random)
    {
        var paths = new List<VesselPath>();
        double step = Math.Max(2, size / 8.0);
        for (int k = 0; k < roots; k++)
        {
            // Start half a step outside a random edge, heading inwards within ±30° of the edge's normal.
            int edge = random.NextInt(0, 3);
            double along = random.NextDouble(0, size - 1);
            double inward = edge switch { 0 => 0, 1 => Math.PI, 2 => Math.PI / 2, _ => -Math.PI / 2 };
            double angle = inward + random.NextDouble(-Math.PI / 6, Math.PI / 6);
            var (r0, c0) = edge switch
            {
                0 => (-step / 2, along),
                1 => (size - 1 + step / 2, along),
                2 => (along, -step / 2),
                _ => (along, size - 1 + step / 2),
            };
            Grow([(r0, c0)], [], angle, radiusPx, 0, size, step, random, paths);
        }
        return new VesselNetwork(paths);
    }

    private static void Grow(List<(double Row, double Column)> prefix, List<double> prefixRadii, double angle, double radius,
        int generation, int size, double step, SeededRandom random, List<VesselPath> paths)
    {
        var points = new List<(double Row, double Column)>(prefix);
        var radii = new List<double>(prefixRadii);
        var (row, column) = points[^1];
        while (row > -step && row < size - 1 + step && column > -step && column < size - 1 + step && points.Count < 64)
        {
            angle += random.NextDouble(-1, 1) * TurnDegrees * Math.PI / 180;
            row += step * Math.Cos(angle);
            column += step * Math.Sin(angle);
            points.Add((row, column));
            radii.Add(radius);
            if (generation < MaxGenerations && random.NextDouble() < BranchProbability)
            {
                double daughter = radius * Math.Pow(2, -1.0 / 3);
                double split = random.NextDouble(Math.PI / 8, Math.PI / 4);
                Grow(points, radii, angle + split, daughter, generation + 1, size, step, random, paths);
                angle -= split;
                radius = daughter;
                generation++;
            }
        }
        paths.Add(new VesselPath(points.ToArray(), radii.ToArray()));
    }
}

/// <summary>
/// One root-to-leaf polyline (pixel coordinates) with the radius of each of its segments. The flow along a path is
/// laminar (Poiseuille): at a distance d from the centre line of a vessel of radius r the speed is
/// v_max·(1 − d²/r²), and v_max scales with r (Murray's law: flow ∝ r³ through an area ∝ r²).
/// </summary>
public sealed class VesselPath
{
    private readonly double[] _cumulative;

    public VesselPath((double Row, double Column)[] points, double[] radii)
    {
        if (radii.Length != points.Length - 1)
            throw new ArgumentException($"A path of {points.Length} points has {points.Length - 1} segments; got {radii.Length} radii.", nameof(radii));
        Points = points;
        Radii = radii;
        _cumulative = new double[points.Length];
        for (int i = 1; i < points.Length; i++)
            _cumulative[i] = _cumulative[i - 1] + Distance(points[i - 1], points[i]);
    }

    public (double Row, double Column)[] Points { get; }

    /// <summary>Radius of segment i (from point i to point i + 1), in pixels.</summary>
    public double[] Radii { get; }

    /// <summary>Radius of the last vessel; the path's share of the flow is ∝ its cube.</summary>
    public double LeafRadius => Radii[^1];

    /// <summary>Radius of the vessel at arc length <paramref name="s"/>.</summary>
    public double RadiusAt(double s) => Radii[Segment(s)];

    /// <summary>Length of the path in pixels.</summary>
    public double Length => _cumulative[^1];

    /// <summary>
    /// Poiseuille flow at arc length <paramref name="s"/>, a fraction <paramref name="across"/> of the radius
    /// from the centre line: v_max·(1 − across²), with the centre-line speed v_max scaled from the root's
    /// <paramref name="rootSpeed"/> by r / <paramref name="rootRadius"/> (Murray: mean velocity ∝ r).
    /// </summary>
    public double LaminarSpeed(double s, double across, double rootSpeed, double rootRadius) =>
        rootSpeed * (RadiusAt(s) / rootRadius) * (1 - across * across);

    /// <summary>
    /// The point at arc length <paramref name="s"/> moved <paramref name="offset"/> pixels across the
    /// vessel (to the left of the direction of flow).
    /// </summary>
    public (double Row, double Column) At(double s, double offset)
    {
        int i = Segment(s);
        var (a, b) = (Points[i], Points[i + 1]);
        double length = _cumulative[i + 1] - _cumulative[i];
        double f = length > 0 ? (s - _cumulative[i]) / length : 0;
        double dr = (b.Row - a.Row) / Math.Max(length, 1e-12), dc = (b.Column - a.Column) / Math.Max(length, 1e-12);
        return (a.Row + f * (b.Row - a.Row) - offset * dc, a.Column + f * (b.Column - a.Column) + offset * dr);
    }

    private int Segment(double s)
    {
        int i = Array.BinarySearch(_cumulative, s);
        return i >= 0 ? Math.Min(i, _cumulative.Length - 2) : Math.Clamp(~i - 1, 0, _cumulative.Length - 2);
    }

    private static double Distance((double Row, double Column) a, (double Row, double Column) b) =>
        Math.Sqrt((a.Row - b.Row) * (a.Row - b.Row) + (a.Column - b.Column) * (a.Column - b.Column));
}
