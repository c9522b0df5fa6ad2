using DataPipeline.Engine.Evaluation;
using DataPipeline.Engine.Maps;
using DataPipeline.Engine.Mat;
using DataPipeline.Engine.Tracking;
using PureHDF;
using Xunit;

namespace DataPipeline.Tests.Engine;

/// <summary>ULM maps against counts worked out by hand, and their files read back.</summary>
public class MapTests
{
    private static Track Line(int id, params (int Step, double Row, double Column)[] points) =>
        Track.FromPositions(id, "hand", 0, points);

    [Fact]
    public void LocalisationsCountInThePixelTheyFallIn()
    {
        var builder = new UlmMapBuilder(4, 4, 2);
        // Scale 2: data pixel 1 spans map pixels 2 and 3; data coordinate 1.2 falls in map pixel floor(1.7 x 2) = 3.
        builder.AddLocalisations([new(1.2, 0.0), new(1.2, 0.1), new(-0.2, 3.4), new(4.0, 0.0), new(-0.6, 1.0)]);
        var map = builder.Build();
        Assert.Equal((8, 8, 2), (map.Height, map.Width, map.Scale));
        Assert.Equal(2.0, map.At(map.Density, 3, 1));
        Assert.Equal(1.0, map.At(map.Density, 0, 7));
        Assert.Equal(3.0, map.Density.Sum()); // (4.0, 0) and (−0.6, 1) are outside the field of view
        Assert.Equal(3, map.LocalisationCount);
        Assert.All(map.Speed, v => Assert.True(double.IsNaN(v)));
    }

    [Fact]
    public void ATrackCountsOncePerPixelItsPathCrosses()
    {
        var builder = new UlmMapBuilder(5, 5, 1);
        // Along row 1 from column 0 to 3 in 3 steps, then back to column 2: pixels (1, 0..3), each once.
        builder.AddTrack(Line(0, (0, 1, 0), (1, 1, 1), (3, 1, 3), (4, 1, 2)));
        var map = builder.Build();
        double[] expected = new double[25];
        for (int c = 0; c <= 3; c++) expected[5 + c] = 1;
        Assert.Equal(expected, map.Density);
        Assert.Equal(1, map.TrackCount);
        Assert.Equal(4, map.LocalisationCount);
    }

    [Fact]
    public void CrossingTracksAddUpAndAverageTheirSpeedAndDirection()
    {
        var builder = new UlmMapBuilder(5, 5, 1);
        builder.AddTrack(Line(0, (0, 2, 0), (2, 2, 4)));   // along +column at 2 px/step
        builder.AddTrack(Line(1, (0, 0, 2), (1, 4, 2)));   // along +row at 4 px/step
        var map = builder.Build();
        Assert.Equal(2.0, map.At(map.Density, 2, 2));
        Assert.Equal(1.0, map.At(map.Density, 2, 0));
        Assert.Equal(1.0, map.At(map.Density, 4, 2));
        Assert.Equal(0.0, map.At(map.Density, 0, 0));
        Assert.Equal(5.0 + 5.0, map.Density.Sum()); // five pixels each, the crossing counted twice
        Assert.Equal(3.0, map.At(map.Speed, 2, 2));
        Assert.Equal(2.0, map.At(map.Speed, 2, 4));
        Assert.Equal(45.0, map.At(map.Direction, 2, 2), 12);
        Assert.Equal(90.0, map.At(map.Direction, 2, 1), 12);
        Assert.Equal(0.0, map.At(map.Direction, 3, 2), 12);
        Assert.True(double.IsNaN(map.At(map.Speed, 0, 0)));
    }

    [Fact]
    public void AFinerScaleDrawsTheSamePathOnMorePixels()
    {
        var builder = new UlmMapBuilder(4, 4, 4);
        // Row 1.0 is map row floor(1.5 x 4) = 6; columns 0..2 cover map columns floor(0.5 x 4) = 2 to floor(2.5 x 4) = 10.
        builder.AddTrack(Line(0, (0, 1, 0), (1, 1, 2)));
        var map = builder.Build();
        for (int c = 0; c < map.Width; c++) Assert.Equal(c is >= 2 and <= 10 ? 1.0 : 0.0, map.At(map.Density, 6, c));
        Assert.Equal(9.0, map.Density.Sum());
    }

    [Fact]
    public void RefusesAScaleBelowOne() =>
        Assert.Throws<ArgumentException>(() => new UlmMapBuilder(4, 4, 0));

    private static UlmMap SmallMap()
    {
        var builder = new UlmMapBuilder(3, 4, 1);
        builder.AddTrack(Line(0, (0, 0, 0), (1, 0, 3)));
        builder.AddLocalisations([new PointPx(2, 1)]);
        return builder.Build();
    }

    [Fact]
    public void TheMatFileHoldsTheMapsAsMatlabIndexesThem()
    {
        var map = SmallMap();
        string path = Path.Combine(Path.GetTempPath(), $"ulm-{Guid.NewGuid():N}.mat");
        try
        {
            UlmMapExport.Write(map, path, UlmMapFormat.Mat);
            using var file = MatFile.Open(path);
            var density = file.Read("density");
            Assert.Equal([3, 4], density.Dimensions);
            double[] columnMajor = density.ToDoubleArray();
            // density(r, c) in MATLAB is columnMajor[c * 3 + r]: row 0 is the track, (2, 1) the localisation.
            Assert.Equal(1.0, columnMajor[3 * 3 + 0]);
            Assert.Equal(1.0, columnMajor[1 * 3 + 2]);
            Assert.Equal(5.0, columnMajor.Sum());
            Assert.Equal(3.0, file.Read("speed").ToDoubleArray()[2 * 3 + 0]);
            Assert.True(double.IsNaN(file.Read("direction").ToDoubleArray()[1 * 3 + 2]));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TheHdf5FileHoldsTheMapsRowMajor()
    {
        var map = SmallMap();
        string path = Path.Combine(Path.GetTempPath(), $"ulm-{Guid.NewGuid():N}.h5");
        try
        {
            UlmMapExport.Write(map, path, UlmMapFormat.Hdf5);
            using var file = H5File.OpenRead(path);
            var density = file.Dataset("density");
            Assert.Equal([3UL, 4UL], density.Space.Dimensions);
            Assert.Equal(map.Density, density.Read<double[]>());
            Assert.Equal(90.0, file.Dataset("direction").Read<double[]>()[1], 12);
            Assert.Equal(1, file.Attribute("scale").Read<int>());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ThePngIsAFigureWithThreePanels()
    {
        string path = Path.Combine(Path.GetTempPath(), $"ulm-{Guid.NewGuid():N}.png");
        try
        {
            UlmMapExport.Write(SmallMap(), path, UlmMapFormat.Png);
            using var bitmap = SkiaSharp.SKBitmap.Decode(path);
            Assert.Equal((1500, 520), (bitmap.Width, bitmap.Height));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("a.png", UlmMapFormat.Png)]
    [InlineData("a.MAT", UlmMapFormat.Mat)]
    [InlineData("a.h5", UlmMapFormat.Hdf5)]
    [InlineData("a.hdf5", UlmMapFormat.Hdf5)]
    [InlineData("a.txt", null)]
    public void TheFileNameImpliesTheFormat(string path, UlmMapFormat? format) =>
        Assert.Equal(format, UlmMapExport.FormatOf(path));
}
