using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Simulation;
using Xunit;

namespace DataPipeline.Tests.Engine;

/// <summary>Track label images against pixels drawn by hand, including the paths the original drew wrong.</summary>
public class TrackLabelTests
{
    private const int Size = 7;

    private static float[] Draw(double sigma, params (double Row, double Column)[] path)
    {
        var label = new float[Size * Size];
        TrackLabel.DrawPath(label, Size, Size, path, sigma);
        return label;
    }

    private static float[] Hand(params (int Row, int Column, float Value)[] pixels)
    {
        var label = new float[Size * Size];
        foreach (var (r, c, v) in pixels) label[r * Size + c] = v;
        return label;
    }

    private static void AssertImage(float[] expected, float[] actual)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-6, $"pixel ({i / Size}, {i % Size}): expected {expected[i]}, got {actual[i]}");
    }

    [Fact]
    public void AHorizontalPathLightsItsRowFromFirstToLastPoint()
    {
        var expected = Hand((2, 1, 1), (2, 2, 1), (2, 3, 1), (2, 4, 1), (2, 5, 1));
        AssertImage(expected, Draw(0, (2, 1), (2, 3), (2, 5)));
    }

    [Fact]
    public void ARightToLeftPathIsTheSameLine()
    {
        // The original's arctan lost the quadrant and drew q_x < p_x paths the wrong way.
        AssertImage(Draw(0, (2, 1), (2, 5)), Draw(0, (2, 5), (2, 1)));
        Assert.Equal(1f, Draw(0, (2, 5), (2, 1))[2 * Size + 1]);
    }

    [Fact]
    public void AVerticalPathLightsItsColumn()
    {
        var expected = Hand((1, 3, 1), (2, 3, 1), (3, 3, 1), (4, 3, 1), (5, 3, 1));
        AssertImage(expected, Draw(0, (5, 3), (1, 3)));
    }

    [Fact]
    public void ASubPixelPathSharesItsWeightBetweenTheTwoRowsItPassesBetween()
    {
        var label = Draw(0, (2.5, 1), (2.5, 4));
        for (int c = 1; c <= 4; c++)
        {
            Assert.Equal(0.5f, label[2 * Size + c], 6);
            Assert.Equal(0.5f, label[3 * Size + c], 6);
        }
        Assert.Equal(0f, label[1 * Size + 2]);
    }

    [Fact]
    public void ADiagonalIsAntiAliasedByDistance()
    {
        var label = Draw(0, (0, 0), (3, 3));
        for (int k = 0; k <= 3; k++) Assert.Equal(1f, label[k * Size + k], 6);
        // Pixel (0, 1) is 1/√2 from the diagonal.
        Assert.Equal((float)(1 - Math.Sqrt(0.5)), label[0 * Size + 1], 6);
        Assert.Equal((float)(1 - Math.Sqrt(0.5)), label[2 * Size + 1], 6);
        Assert.Equal(0f, label[0 * Size + 2]);
    }

    [Fact]
    public void ABlurredTrackIsAGaussianOfTheDistance()
    {
        var label = Draw(1.0, (3, 1), (3, 5));
        Assert.Equal(1f, label[3 * Size + 3], 6);
        Assert.Equal((float)Math.Exp(-0.5), label[2 * Size + 3], 6);
        Assert.Equal((float)Math.Exp(-2.0), label[5 * Size + 3], 6);
        // Beyond the end the distance is to the end point.
        Assert.Equal((float)Math.Exp(-0.5), label[3 * Size + 0], 6);
    }

    [Fact]
    public void RenderIncludesStepZeroAndScalesToTheLabelGrid()
    {
        // Data 4x4 at ratio 2: data (1, 0) is label (2.5, 0.5), data (1, 2) is label (2.5, 4.5).
        ScattererPosition[] positions = [new(1, 0, 1, 1, true), new(0, 0, 1, 0, true), new(2, 0, 1, 2, true)];
        var label = TrackLabel.Render(positions, 4, 4, 2, 0);
        Assert.Equal(64, label.Length);
        // Pixel (2, 0) is 1/√2 from step 0's point: lit only because step 0 is part of the path.
        Assert.Equal((float)(1 - Math.Sqrt(0.5)), label[2 * 8 + 0], 6);
        Assert.Equal(0.5f, label[2 * 8 + 1], 6);
        Assert.Equal(0.5f, label[3 * 8 + 4], 6);
        Assert.Equal((float)(1 - Math.Sqrt(0.5)), label[3 * 8 + 5], 6);
        Assert.Equal(0f, label[2 * 8 + 6]);
    }

    [Fact]
    public void AScattererSeenOnceIsADot()
    {
        var label = TrackLabel.Render([new(0, 0, 2, 3, true)], Size, Size, 1, 0);
        Assert.Equal(Hand((2, 3, 1)), label);
    }
}
