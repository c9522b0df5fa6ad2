using DataPipeline.Engine.Frames;
using DataPipeline.Engine.IO;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.PixelFormats;

namespace DataPipeline.Engine.Reporting;

/// <summary>
/// An animated GIF of sequences, as the original's print_img made for moving scatterers: GIF frame
/// t is the static preview of time step t of every frame (data | label | prediction, each with
/// its colour bar, titled with "t=…"), so the scatterers move from one GIF frame to the next. The
/// steps play at T per second, the original's fps = MovementDuration (one loop a second), at most
/// 10, and loop forever. SkiaSharp draws each step; ImageSharp only encodes the GIF.
/// </summary>
public static class FramePreviewAnimation
{
    public const int MaxStepsPerSecond = 10;

    /// <summary>Writes the GIF (atomically); returns its size in pixels and the number of GIF frames.</summary>
    public static (int Width, int Height, int Steps) Write(IReadOnlyList<Frame> frames, string path, double? dynamicRangeDb = null)
    {
        if (frames.Count == 0) throw new ArgumentException("A preview needs at least one frame.", nameof(frames));
        int steps = frames[0].TimeSteps;
        if (frames.Any(f => f.TimeSteps != steps))
            throw new ArgumentException("Frames in one animation must all have the same number of time steps.", nameof(frames));
        int delay = 100 / Math.Clamp(steps, 1, MaxStepsPerSecond); // centiseconds per step

        Image<Rgba32> Still(int t) => Image.Load<Rgba32>(FramePreview.RenderPng(frames.Select(f => Step(f, t)).ToList(), dynamicRangeDb));
        // Step 0 is the image itself (its root frame); every later step is added after it.
        using var gif = Still(0);
        gif.Frames.RootFrame.Metadata.GetGifMetadata().FrameDelay = delay;
        for (int t = 1; t < steps; t++)
        {
            using var still = Still(t);
            gif.Frames.AddFrame(still.Frames.RootFrame).Metadata.GetGifMetadata().FrameDelay = delay;
        }
        gif.Metadata.GetGifMetadata().RepeatCount = 0;
        AtomicFile.WriteStream(path, stream => gif.SaveAsGif(stream, new GifEncoder { ColorTableMode = GifColorTableMode.Local }));
        return (gif.Width, gif.Height, steps);
    }

    /// <summary>
    /// Time step <paramref name="t"/> of <paramref name="frame"/> as a static frame, its step in the
    /// source so the panels' titles show it. A label or prediction with one step is shown at every step.
    /// </summary>
    internal static Frame Step(Frame frame, int t)
    {
        if (frame.TimeSteps == 1) return frame;
        // Multi-channel (IQ) data are channel-major: step t of every channel, in channel order.
        int perChannel = frame.Data.Length / frame.Channels;
        var data = new float[perChannel / frame.TimeSteps * frame.Channels];
        int[] shape = [];
        for (int c = 0; c < frame.Channels; c++)
        {
            (var plane, shape) = Slice(frame.Data.AsSpan(c * perChannel, perChannel).ToArray(), frame.Shape, t);
            plane.CopyTo(data, c * plane.Length);
        }
        var (label, labelShape) = frame.Label is null ? (null, null) : Slice(frame.Label, frame.LabelShape!, t);
        var step = new Frame(data, shape, label, labelShape, $"{frame.Source} t={t}", frame.Index, channels: frame.Channels);
        return frame.Prediction is null ? step : step.WithPrediction(Slice(frame.Prediction, frame.PredictionShape!, t).Values);
    }

    private static (float[] Values, int[] Shape) Slice(float[] values, int[] shape, int t)
    {
        if (shape.Length == 2) return (values, shape);
        int plane = shape[1] * shape[2];
        return (values.AsSpan(t * plane, plane).ToArray(), [shape[1], shape[2]]);
    }
}
