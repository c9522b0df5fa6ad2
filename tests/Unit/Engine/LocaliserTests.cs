using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Evaluation;
using DataPipeline.Engine.Evaluation.Localisers;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Simulation;
using Xunit;

namespace DataPipeline.Tests.Engine;

/// <summary>The classical localisers on noiseless Gaussian spots at known sub-pixel positions.</summary>
public class LocaliserTests
{
    private const int Size = 15;

    public static TheoryData<LocalisationMethod, double> Methods => new()
    {
        { LocalisationMethod.WeightedAverage, 1.0 },
        { LocalisationMethod.WeightedAverage, 1.5 },
        { LocalisationMethod.RadialSymmetry, 1.0 },
        { LocalisationMethod.RadialSymmetry, 1.5 },
        { LocalisationMethod.GaussianFit, 1.0 },
        { LocalisationMethod.GaussianFit, 1.5 },
    };

    /// <summary>A spot's true centre, drawn from a fixed seed within half a pixel of the middle pixel.</summary>
    private static IEnumerable<PointPx> Centres(int count)
    {
        var random = new Random(20121);
        for (int i = 0; i < count; i++)
            yield return new PointPx(7 + random.NextDouble() - 0.5, 7 + random.NextDouble() - 0.5);
    }

    private static float[] Spot(PointPx centre, double sigma, double amplitude = 1.0, double background = 0)
    {
        var plane = new float[Size * Size];
        GaussianSplat.Draw(plane, 0, Size, Size, centre.Row, centre.Column, sigma, amplitude, PsfCombine.Max);
        if (background != 0) for (int i = 0; i < plane.Length; i++) plane[i] += (float)background;
        return plane;
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void RmseOnNoiselessGaussianSpotsIsBelowFiveHundredthsOfAPixel(LocalisationMethod method, double sigma)
    {
        double squared = 0;
        int n = 0;
        foreach (var centre in Centres(100))
        {
            var plane = Spot(centre, sigma);
            var peak = Assert.Single(PeakDetector.Find(plane, Size, Size, 7, RefineMode.None, 0.5));
            var found = SubpixelLocaliser.Locate(method, plane, Size, Size, (int)peak.Position.Row, (int)peak.Position.Column, 3);
            squared += found.SquaredDistanceTo(centre);
            n++;
        }
        Assert.InRange(Math.Sqrt(squared / n), 0, 0.05);
    }

    [Theory]
    [InlineData(LocalisationMethod.RadialSymmetry)]
    [InlineData(LocalisationMethod.GaussianFit)]
    public void AConstantBackgroundDoesNotMoveTheCentre(LocalisationMethod method)
    {
        var centre = new PointPx(7.3, 6.8);
        var plane = Spot(centre, 1.2, amplitude: 2, background: 0.7);
        var found = SubpixelLocaliser.Locate(method, plane, Size, Size, 7, 7, 3);
        Assert.InRange(Math.Sqrt(found.SquaredDistanceTo(centre)), 0, 0.05);
    }

    [Fact]
    public void TheGaussianFitIsExactOnAnUnclippedGaussian()
    {
        var centre = new PointPx(7.37, 6.71);
        var found = SubpixelLocaliser.Locate(LocalisationMethod.GaussianFit, Spot(centre, 1.3), Size, Size, 7, 7, 4);
        Assert.InRange(Math.Sqrt(found.SquaredDistanceTo(centre)), 0, 1e-4);
    }

    [Fact]
    public void AtTheEdgeThePatchShrinksAndStaysCentred()
    {
        var centre = new PointPx(0.2, 7.1);
        var plane = Spot(centre, 1.0);
        foreach (var method in new[] { LocalisationMethod.WeightedAverage, LocalisationMethod.RadialSymmetry, LocalisationMethod.GaussianFit })
        {
            var found = SubpixelLocaliser.Locate(method, plane, Size, Size, 0, 7, 3);
            // Row 0 leaves no room for a patch around the peak along rows: only the column is refined.
            Assert.Equal(0.0, found.Row);
            Assert.InRange(Math.Abs(found.Column - 7.1), 0, 0.05);
        }
    }

    [Theory]
    [InlineData(LocalisationMethod.WeightedAverage)]
    [InlineData(LocalisationMethod.RadialSymmetry)]
    [InlineData(LocalisationMethod.GaussianFit)]
    public void MeasureLocalizationScoresAClassicalLocaliserOnTheDataFrames(LocalisationMethod method)
    {
        // Three well-separated noiseless spots in the data; no prediction is needed.
        PointPx[] truths = [new(5.3, 6.6), new(20.8, 9.1), new(12.2, 24.7)];
        var data = new float[32 * 32];
        foreach (var t in truths) GaussianSplat.Draw(data, 0, 32, 32, t.Row, t.Column, 1.2, 1.0, PsfCombine.Max);
        var positions = truths.Select((t, i) => new ScattererPosition(0, i, t.Row, t.Column, true)).ToList();
        var frame = new Frame(data, [32, 32], null, null, "spots", 0, positions);
        var evaluator = new LocalisationEvaluator(new EvaluationSettings { Threshold = 0.3, WindowPx = 7, TolerancePx = 1 }, TruthSource.Positions, method);
        evaluator.Add(frame);
        var result = evaluator.Result();
        Assert.Equal((3, 0, 0), (result.TruePositives, result.FalsePositives, result.FalseNegatives));
        Assert.InRange(result.RmsePx, 0, 0.05);
        Assert.Equal(method, result.Method);
        Assert.Null(result.Pixels);
    }

    [Fact]
    public void TheUNetMethodStillNeedsAPrediction()
    {
        var frame = new Frame(new float[16 * 16], [16, 16], null, null, "empty", 0, []);
        var evaluator = new LocalisationEvaluator(new EvaluationSettings());
        var error = Assert.Throws<ArgumentException>(() => evaluator.Add(frame));
        Assert.Contains("-Method", error.Message);
    }
}
