namespace DataPipeline.Engine.Maps;

/// <summary>
/// An ULM image of a field of view: maps on a grid Scale times finer than the data, row-major
/// [Height, Width]. Density counts localisations (from points) or track passes (from tracks: each
/// track counts once in every fine pixel its path crosses); Speed is the mean speed of the passes
/// (data pixels per step); Direction the circular mean of their directions (degrees from +Row
/// towards +Column). Speed and Direction are NaN where nothing moving passed. Not enumerable, so
/// PowerShell keeps it whole.
/// </summary>
public sealed class UlmMap
{
    internal UlmMap(int dataHeight, int dataWidth, int scale, double[] density, double[] speed, double[] direction,
        long tracks, long localisations)
    {
        DataHeight = dataHeight;
        DataWidth = dataWidth;
        Scale = scale;
        Density = density;
        Speed = speed;
        Direction = direction;
        TrackCount = tracks;
        LocalisationCount = localisations;
    }

    /// <summary>The data's field of view, in data pixels.</summary>
    public int DataHeight { get; }

    public int DataWidth { get; }

    /// <summary>Map pixels per data pixel along each axis.</summary>
    public int Scale { get; }

    public int Height => DataHeight * Scale;

    public int Width => DataWidth * Scale;

    public double[] Density { get; }

    public double[] Speed { get; }

    public double[] Direction { get; }

    /// <summary>Tracks drawn (0 for a map of plain localisations).</summary>
    public long TrackCount { get; }

    /// <summary>Points that fell inside the field of view.</summary>
    public long LocalisationCount { get; }

    /// <summary>Largest density value: the busiest pixel.</summary>
    public double MaxDensity => Density.Max();

    /// <summary>The value of <paramref name="map"/> at map pixel (row, column).</summary>
    public double At(double[] map, int row, int column) => map[row * Width + column];

    public override string ToString() => $"UlmMap [{Height}x{Width}] x{Scale}";
}
