namespace DataPipeline.Engine.Evaluation;

/// <summary>A position in pixel coordinates (pixel centres at integers; Row is the first image axis).</summary>
public readonly record struct PointPx(double Row, double Column)
{
    /// <summary>Squared Euclidean distance: both coordinates together, never one at a time.</summary>
    public double SquaredDistanceTo(PointPx other)
    {
        double dr = Row - other.Row, dc = Column - other.Column;
        return dr * dr + dc * dc;
    }

    public override string ToString() => FormattableString.Invariant($"({Row:0.###}, {Column:0.###})");
}
