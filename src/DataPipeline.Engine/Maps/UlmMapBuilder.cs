using DataPipeline.Engine.Evaluation;
using DataPipeline.Engine.Tracking;

namespace DataPipeline.Engine.Maps;

/// <summary>
/// Accumulates an <see cref="UlmMap"/> from tracks or localisations added one at a time: memory is
/// the map's (a few arrays of Height·Width), whatever the number of frames streamed through it.
/// A data coordinate x falls in map pixel floor((x + 0.5)·Scale), pixel centres being at integers
/// on both grids (as for labels); points outside the field of view are left out.
/// </summary>
public sealed class UlmMapBuilder
{
    // Path samples per map pixel of track length: dense enough that no pixel a segment crosses
    // by more than a quarter of a pixel is skipped.
    private const double SamplesPerPixel = 4;

    private readonly int _dataHeight, _dataWidth, _scale, _height, _width;
    private readonly double[] _density, _speedSum, _speedCount, _directionRow, _directionColumn;
    private readonly HashSet<int> _passed = [];
    private long _tracks, _localisations;

    public UlmMapBuilder(int dataHeight, int dataWidth, int scale)
    {
        if (dataHeight < 1 || dataWidth < 1)
            throw new ArgumentException($"The field of view must be at least 1x1 data pixels; got {dataHeight}x{dataWidth}.");
        if (scale < 1)
            throw new ArgumentException($"The scale must be 1 or more map pixels per data pixel; got {scale}.", nameof(scale));
        if ((long)dataHeight * scale * dataWidth * scale > Array.MaxLength)
            throw new ArgumentException($"A {dataHeight * (long)scale}x{dataWidth * (long)scale} map is too large; lower the scale.", nameof(scale));
        (_dataHeight, _dataWidth, _scale) = (dataHeight, dataWidth, scale);
        (_height, _width) = (dataHeight * scale, dataWidth * scale);
        int size = _height * _width;
        _density = new double[size];
        _speedSum = new double[size];
        _speedCount = new double[size];
        _directionRow = new double[size];
        _directionColumn = new double[size];
    }

    /// <summary>The field of view, in data pixels.</summary>
    public int DataHeight => _dataHeight;

    public int DataWidth => _dataWidth;

    /// <summary>Counts each point once in the pixel it falls in (a density of localisations).</summary>
    public void AddLocalisations(IEnumerable<PointPx> points)
    {
        foreach (var p in points)
        {
            int pixel = PixelOf(p.Row, p.Column);
            if (pixel < 0) continue;
            _density[pixel]++;
            _localisations++;
        }
    }

    /// <summary>
    /// Draws the track's path, straight between consecutive points: every pixel it crosses counts
    /// one pass, carrying the speed and direction of the segment that crossed it first.
    /// </summary>
    public void AddTrack(Track track)
    {
        _passed.Clear();
        _tracks++;
        foreach (var p in track.Points)
        {
            if (PixelOf(p.Row, p.Column) >= 0) _localisations++;
        }
        if (track.Length == 1)
        {
            int pixel = PixelOf(track.Points[0].Row, track.Points[0].Column);
            if (pixel >= 0) _density[pixel]++;
            return;
        }
        for (int i = 1; i < track.Length; i++)
        {
            var (a, b) = (track.Points[i - 1], track.Points[i]);
            double dRow = b.Row - a.Row, dColumn = b.Column - a.Column, steps = b.Step - a.Step;
            double length = Math.Sqrt(dRow * dRow + dColumn * dColumn);
            double speed = length / steps;
            // A segment of no length has no direction; it still marks its pixel.
            double unitRow = length > 0 ? dRow / length : 0, unitColumn = length > 0 ? dColumn / length : 0;
            int samples = Math.Max(1, (int)Math.Ceiling(length * _scale * SamplesPerPixel));
            for (int k = 0; k <= samples; k++)
            {
                double f = k / (double)samples;
                int pixel = PixelOf(a.Row + f * dRow, a.Column + f * dColumn);
                if (pixel < 0 || !_passed.Add(pixel)) continue;
                _density[pixel]++;
                _speedSum[pixel] += speed;
                _speedCount[pixel]++;
                _directionRow[pixel] += unitRow;
                _directionColumn[pixel] += unitColumn;
            }
        }
    }

    public UlmMap Build()
    {
        int size = _density.Length;
        var speed = new double[size];
        var direction = new double[size];
        for (int i = 0; i < size; i++)
        {
            speed[i] = _speedCount[i] > 0 ? _speedSum[i] / _speedCount[i] : double.NaN;
            bool moving = _directionRow[i] != 0 || _directionColumn[i] != 0;
            direction[i] = moving ? Math.Atan2(_directionColumn[i], _directionRow[i]) * 180 / Math.PI : double.NaN;
        }
        return new UlmMap(_dataHeight, _dataWidth, _scale, (double[])_density.Clone(), speed, direction, _tracks, _localisations);
    }

    private int PixelOf(double row, double column)
    {
        double r = Math.Floor((row + 0.5) * _scale), c = Math.Floor((column + 0.5) * _scale);
        if (!(r >= 0 && r < _height && c >= 0 && c < _width)) return -1; // also NaN
        return (int)r * _width + (int)c;
    }
}
