using DataPipeline.Engine.Frames;

namespace DataPipeline.Engine.Evaluation;

/// <summary>
/// The geometry of a frame's label-shaped map (prediction or label) against its data: plane size,
/// and the conversion of map pixel coordinates to data pixel coordinates. Both grids put pixel
/// centres at integers and cover the same field of view, so the centre of map pixel i lies at data
/// coordinate (i + 0.5) / s - 0.5, s the size ratio (the inverse of how the simulator draws labels).
/// </summary>
internal sealed class MapGrid
{
    private readonly double _rowScale, _columnScale;

    public MapGrid(Frame frame)
    {
        // An unlabelled frame's prediction may still differ from its data (a track map of a sequence).
        int[] shape = frame.PredictionShape ?? frame.LabelShape ?? frame.Shape;
        Height = shape[^2];
        Width = shape[^1];
        _rowScale = Height / (double)frame.Height;
        _columnScale = Width / (double)frame.Width;
    }

    public int Height { get; }
    public int Width { get; }
    public int PlaneSize => Height * Width;

    public PointPx ToData(PointPx map) =>
        new((map.Row + 0.5) / _rowScale - 0.5, (map.Column + 0.5) / _columnScale - 0.5);

    public MapPeak ToData(MapPeak peak) => peak with { Position = ToData(peak.Position) };
}
