namespace DataPipeline.Engine.Tracking;

/// <summary>
/// One scatterer followed across the time steps of a sequence: its points in step order (steps may
/// skip where gap closing bridged missed detections), with a velocity at every point. Height and
/// Width are the sequence's field of view in data pixels when known, so maps can size themselves.
/// </summary>
public sealed class Track
{
    public Track(int id, string source, int index, IReadOnlyList<TrackPoint> points, int? height = null, int? width = null)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count == 0) throw new ArgumentException("A track has at least one point.", nameof(points));
        for (int i = 1; i < points.Count; i++)
        {
            if (points[i].Step <= points[i - 1].Step)
                throw new ArgumentException($"Track points must be in increasing step order; step {points[i].Step} follows {points[i - 1].Step}.", nameof(points));
        }
        Id = id;
        Source = source;
        Index = index;
        Points = points;
        Height = height;
        Width = width;
    }

    /// <summary>Number of the track within its sequence, from 0 in order of first appearance.</summary>
    public int Id { get; }

    /// <summary>The sequence's source and index (the frame it came from).</summary>
    public string Source { get; }

    public int Index { get; }

    public IReadOnlyList<TrackPoint> Points { get; }

    public int? Height { get; }

    public int? Width { get; }

    public int Length => Points.Count;

    public int FirstStep => Points[0].Step;

    public int LastStep => Points[^1].Step;

    /// <summary>Mean of the points' speeds, in data pixels per step (0 for a single point).</summary>
    public double MeanSpeed => Points.Average(p => p.Speed);

    /// <summary>
    /// A track through <paramref name="positions"/> (step, row, column in increasing step order), with
    /// each point's velocity by central differences over its neighbours (one-sided at the ends), so a
    /// point after a gap divides by the steps actually elapsed.
    /// </summary>
    public static Track FromPositions(int id, string source, int index, IReadOnlyList<(int Step, double Row, double Column)> positions,
        int? height = null, int? width = null)
    {
        var points = new TrackPoint[positions.Count];
        for (int i = 0; i < positions.Count; i++)
        {
            var (step, row, column) = positions[i];
            if (positions.Count == 1)
            {
                points[i] = new TrackPoint(step, row, column, 0, double.NaN);
                continue;
            }
            var before = positions[Math.Max(0, i - 1)];
            var after = positions[Math.Min(positions.Count - 1, i + 1)];
            double steps = after.Step - before.Step;
            double dRow = (after.Row - before.Row) / steps, dColumn = (after.Column - before.Column) / steps;
            points[i] = new TrackPoint(step, row, column, Math.Sqrt(dRow * dRow + dColumn * dColumn), Math.Atan2(dColumn, dRow) * 180 / Math.PI);
        }
        return new Track(id, source, index, points, height, width);
    }

    public override string ToString() => $"{Source}#{Index} track {Id} ({Length} points, steps {FirstStep}-{LastStep})";
}
