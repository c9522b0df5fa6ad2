using DataPipeline.Engine.Frames;
using DataPipeline.Engine.IO;
using ScottPlot;

namespace DataPipeline.Engine.Reporting;

/// <summary>
/// One PNG that shows frames next to their labels (and the model's predictions, when the frames
/// carry them), each panel a heatmap with its own colour bar and a title naming the frame's source
/// and index. Static frames are laid out as a grid of (data | label | prediction) groups;
/// sequences get one row per frame: the data's time steps, then the label's, then the prediction's.
/// </summary>
public static class FramePreview
{
    public const int PanelWidth = 280, PanelHeight = 250;

    /// <summary>The image size a preview of <paramref name="frames"/> has, as (columns, rows) of panels.</summary>
    public static (int Columns, int Rows) Layout(IReadOnlyList<Frame> frames)
    {
        if (frames.Count == 0) throw new ArgumentException("A preview needs at least one frame.", nameof(frames));
        int panelsPerFrame = Panels(frames[0]).Count();
        if (frames[0].TimeSteps > 1) return (panelsPerFrame, frames.Count);
        int framesPerRow = (int)Math.Ceiling(Math.Sqrt(frames.Count));
        return (framesPerRow * panelsPerFrame, (int)Math.Ceiling(frames.Count / (double)framesPerRow));
    }

    /// <summary>
    /// Writes the preview PNG (atomically); returns its size in pixels. Data panels show the magnitude of
    /// multi-channel (IQ) frames; with <paramref name="dynamicRangeDb"/> they show B-mode instead:
    /// 20·log10(magnitude / the frame's largest) on a fixed colour scale of [−dynamic range, 0] dB.
    /// </summary>
    public static (int Width, int Height) Write(IReadOnlyList<Frame> frames, string path, double? dynamicRangeDb = null)
    {
        var (multiplot, width, height) = Compose(frames, dynamicRangeDb);
        AtomicFile.Write(path, temporary => multiplot.SavePng(temporary, width, height));
        return (width, height);
    }

    /// <summary>The preview as PNG bytes, for the frames of an animation.</summary>
    internal static byte[] RenderPng(IReadOnlyList<Frame> frames, double? dynamicRangeDb = null)
    {
        var (multiplot, width, height) = Compose(frames, dynamicRangeDb);
        using var surface = SkiaSharp.SKSurface.Create(new SkiaSharp.SKImageInfo(width, height));
        multiplot.Render(surface.Canvas, new PixelRect(left: 0, right: width, bottom: height, top: 0));
        using var image = surface.Snapshot();
        using var png = image.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    private static (ScottPlot.Multiplot Multiplot, int Width, int Height) Compose(IReadOnlyList<Frame> frames, double? dynamicRangeDb)
    {
        if (dynamicRangeDb is double range && !(range > 0 && double.IsFinite(range)))
            throw new ArgumentOutOfRangeException(nameof(dynamicRangeDb), $"The dynamic range must be a positive number of dB; got {range}.");
        var (columns, rows) = Layout(frames);
        if (frames.Any(f => !Panels(f).SequenceEqual(Panels(frames[0]))))
            throw new ArgumentException("Frames in one preview must all be static or all have the same number of time steps, and all or none have labels and predictions.", nameof(frames));

        var multiplot = new ScottPlot.Multiplot();
        int framesPerRow = frames[0].TimeSteps > 1 ? 1 : columns / Panels(frames[0]).Count();
        var cells = new ScottPlot.Plot?[rows, columns];
        for (int f = 0; f < frames.Count; f++)
        {
            int row = f / framesPerRow, column = f % framesPerRow * Panels(frames[0]).Count();
            foreach (var panel in Panels(frames[f]))
                cells[row, column++] = Panel(frames[f], panel, dynamicRangeDb);
        }
        // The multiplot fills its grid row by row; cells without a frame stay empty plots.
        var plots = new List<ScottPlot.Plot>();
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
                plots.Add(cells[r, c] ?? Empty());
        // A new Multiplot already holds one empty plot: Reset puts the first panel in its place.
        multiplot.Reset(plots[0]);
        foreach (var plot in plots.Skip(1)) multiplot.AddPlot(plot);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(rows, columns);
        return (multiplot, columns * PanelWidth, rows * PanelHeight);
    }

    private enum PanelKind { Data, Label, Prediction }

    private readonly record struct PanelSpec(PanelKind Kind, int TimeStep);

    private static IEnumerable<PanelSpec> Panels(Frame frame)
    {
        for (int t = 0; t < frame.TimeSteps; t++) yield return new PanelSpec(PanelKind.Data, t);
        if (frame.LabelShape is not null)
        {
            for (int t = 0; t < StepsOf(frame.LabelShape); t++) yield return new PanelSpec(PanelKind.Label, t);
        }
        if (frame.PredictionShape is not null)
        {
            for (int t = 0; t < StepsOf(frame.PredictionShape); t++) yield return new PanelSpec(PanelKind.Prediction, t);
        }
    }

    private static int StepsOf(int[] shape) => shape.Length == 3 ? shape[0] : 1;

    private static ScottPlot.Plot Panel(Frame frame, PanelSpec panel, double? dynamicRangeDb)
    {
        bool data = panel.Kind == PanelKind.Data;
        var (values, shape) = panel.Kind switch
        {
            PanelKind.Label => (frame.Label!, frame.LabelShape!),
            PanelKind.Prediction => (frame.Prediction!, frame.PredictionShape!),
            _ => (DisplayedData(frame, dynamicRangeDb), frame.Shape),
        };
        int height = shape[^2], width = shape[^1];
        var image = new double[height, width];
        int offset = panel.TimeStep * height * width;
        for (int r = 0; r < height; r++)
            for (int c = 0; c < width; c++)
                image[r, c] = values[offset + r * width + c];

        var plot = new ScottPlot.Plot();
        var heatmap = plot.Add.Heatmap(image);
        heatmap.Colormap = data && dynamicRangeDb is not null ? new ScottPlot.Colormaps.Grayscale() : new ScottPlot.Colormaps.Viridis();
        if (data && dynamicRangeDb is double db) heatmap.ManualRange = new ScottPlot.Range(-db, 0);
        plot.Add.ColorBar(heatmap);
        plot.Axes.SquareUnits();
        plot.HideAxesAndGrid();
        plot.Title(Title(frame, panel, dynamicRangeDb), size: 11);
        return plot;
    }

    /// <summary>The panels' titles, in the order the preview draws them (one row per sequence).</summary>
    internal static IReadOnlyList<string> Titles(Frame frame, double? dynamicRangeDb = null) =>
        Panels(frame).Select(panel => Title(frame, panel, dynamicRangeDb)).ToList();

    private static string Title(Frame frame, PanelSpec panel, double? dynamicRangeDb)
    {
        string what = panel.Kind != PanelKind.Data ? panel.Kind.ToString().ToLowerInvariant()
            : dynamicRangeDb is double range ? $"B-mode dB ({range:0.#} dB)"
            : frame.Channels == 2 ? "|IQ|" : "data";
        // A one-step label (or prediction) of a sequence is a track map of all its steps, not its first step.
        int steps = panel.Kind switch
        {
            PanelKind.Label => StepsOf(frame.LabelShape!),
            PanelKind.Prediction => StepsOf(frame.PredictionShape!),
            _ => frame.TimeSteps,
        };
        string time = frame.TimeSteps <= 1 ? ""
            : steps > 1 ? $" t={panel.TimeStep}"
            : panel.Kind == PanelKind.Label ? " (track map, all steps)" : " (all steps)";
        return $"{ShortSource(frame.Source)} #{frame.Index} {what}{time}";
    }

    /// <summary>
    /// The data as drawn: one channel as it is, IQ (two channels) as its magnitude, and with a dynamic
    /// range the B-mode of that magnitude against the whole frame's largest value (a sequence's steps share it).
    /// </summary>
    private static float[] DisplayedData(Frame frame, double? dynamicRangeDb)
    {
        int n = frame.Data.Length / frame.Channels;
        float[] magnitude;
        if (frame.Channels == 1 && dynamicRangeDb is null) return frame.Data;
        if (frame.Channels == 1) magnitude = frame.Data;
        else
        {
            magnitude = new float[n];
            for (int i = 0; i < n; i++)
            {
                double sum = 0;
                for (int c = 0; c < frame.Channels; c++) sum += (double)frame.Data[c * n + i] * frame.Data[c * n + i];
                magnitude[i] = (float)Math.Sqrt(sum);
            }
        }
        return dynamicRangeDb is double db ? Physics.BMode.Compress(magnitude, db) : magnitude;
    }

    private static ScottPlot.Plot Empty()
    {
        var plot = new ScottPlot.Plot();
        plot.HideAxesAndGrid();
        return plot;
    }

    // A file's name says enough in a title; the full path would not fit.
    private static string ShortSource(string source) =>
        source.Contains(Path.DirectorySeparatorChar) || source.Contains('/') ? Path.GetFileName(source) : source;
}
