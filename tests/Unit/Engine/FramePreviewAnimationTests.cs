using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Reporting;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace DataPipeline.Tests.Engine;

/// <summary>Animated GIF previews of sequences (the original's print_img for moving scatterers).</summary>
public sealed class FramePreviewAnimationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dp-gif-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A [T, 8, 8] sequence whose data is 1 at (2, t) and 0 elsewhere, with a label 1 at (2·2, 2·t) at ratio 2.</summary>
    private static Frame Moving(int steps, int index)
    {
        var data = new float[steps * 64];
        var label = new float[steps * 256];
        for (int t = 0; t < steps; t++)
        {
            data[t * 64 + 2 * 8 + t] = 1;
            label[t * 256 + 4 * 16 + 2 * t] = 1;
        }
        return new Frame(data, [steps, 8, 8], label, [steps, 16, 16], "moving", index);
    }

    [Fact]
    public void TheGifHoldsOneFramePerTimeStepShowingThatStep()
    {
        const int steps = 4;
        var frames = new[] { Moving(steps, 0), Moving(steps, 1) };
        string path = Path.Combine(_dir, "moving.gif");
        var (width, height, written) = FramePreviewAnimation.Write(frames, path);
        Assert.Equal(steps, written);

        using var gif = Image.Load<Rgba32>(path);
        Assert.Equal(steps, gif.Frames.Count);
        Assert.Equal((width, height), (gif.Width, gif.Height));
        Assert.Equal(0, gif.Metadata.GetGifMetadata().RepeatCount);
        Assert.All(Enumerable.Range(0, steps), t => Assert.Equal(25, gif.Frames[t].Metadata.GetGifMetadata().FrameDelay)); // 4 steps a second

        // GIF frame t is the still of step t (up to the 256-colour palette), and not any other step's.
        for (int t = 0; t < steps; t++)
        {
            using var expected = Image.Load<Rgba32>(FramePreview.RenderPng(frames.Select(f => FramePreviewAnimation.Step(f, t)).ToList()));
            Assert.Equal((expected.Width, expected.Height), (width, height));
            for (int other = 0; other < steps; other++)
            {
                double difference = MeanDifference(gif.Frames[other], expected.Frames.RootFrame);
                if (other == t) Assert.True(difference < 2, $"step {t}: mean difference {difference:F2} from its still");
                else Assert.True(difference > MeanDifference(gif.Frames[t], expected.Frames.RootFrame), $"GIF frame {other} matches step {t}");
            }
        }
    }

    [Fact]
    public void AStepHoldsThatTimeStepsValues()
    {
        var step = FramePreviewAnimation.Step(Moving(3, 5).WithPrediction(Enumerable.Range(0, 3 * 256).Select(i => (float)i).ToArray()), 2);
        Assert.Equal([8, 8], step.Shape);
        Assert.Equal(1f, step.Data[2 * 8 + 2]);
        Assert.Equal(1f, step.Data.Sum());
        Assert.Equal(1f, step.Label![4 * 16 + 4]);
        Assert.Equal(512f, step.Prediction![0]);
        Assert.Equal("moving t=2", step.Source);
        Assert.Equal(5, step.Index);
    }

    [Fact]
    public void FramesWithDifferentStepCountsAreRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => FramePreviewAnimation.Write([Moving(3, 0), Moving(4, 1)], Path.Combine(_dir, "x.gif")));
        Assert.Contains("same number of time steps", e.Message);
        Assert.False(File.Exists(Path.Combine(_dir, "x.gif")));
    }

    private static double MeanDifference(ImageFrame<Rgba32> a, ImageFrame<Rgba32> b)
    {
        long sum = 0;
        for (int y = 0; y < a.Height; y++)
        for (int x = 0; x < a.Width; x++)
        {
            Rgba32 p = a[x, y], q = b[x, y];
            sum += Math.Abs(p.R - q.R) + Math.Abs(p.G - q.G) + Math.Abs(p.B - q.B);
        }
        return sum / (3.0 * a.Width * a.Height);
    }
}
