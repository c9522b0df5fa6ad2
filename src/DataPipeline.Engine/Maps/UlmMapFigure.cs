using ScottPlot;

namespace DataPipeline.Engine.Maps;

/// <summary>The PNG figure of an ULM map: density (log scale), mean speed and direction side by side, each with its colour bar.</summary>
internal static class UlmMapFigure
{
    public const int Width = 1500, Height = 520;

    public static ScottPlot.Multiplot Create(UlmMap map)
    {
        // log10(1 + n): the busiest vessels would otherwise hide every other one; empty pixels stay 0.
        var density = Image(map, map.Density, v => Math.Log10(1 + v));
        var multiplot = new ScottPlot.Multiplot();
        // A new Multiplot already holds one empty plot: Reset puts the first panel in its place.
        multiplot.Reset(Panel(density, new ScottPlot.Colormaps.Viridis(), $"density ({Passes(map)}, x{map.Scale})", $"log10(1 + {Passes(map)})"));
        multiplot.AddPlot(Panel(Image(map, map.Speed, v => v), new ScottPlot.Colormaps.Viridis(), "mean speed", "speed (data px / step)"));
        multiplot.AddPlot(Panel(Image(map, map.Direction, v => v), new ScottPlot.Colormaps.MellowRainbow(), "direction", "direction (deg from +row)"));
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(1, 3);
        return multiplot;
    }

    private static string Passes(UlmMap map) => map.TrackCount > 0 ? "track passes" : "localisations";

    private static double[,] Image(UlmMap map, double[] values, Func<double, double> transform)
    {
        var image = new double[map.Height, map.Width];
        for (int r = 0; r < map.Height; r++)
            for (int c = 0; c < map.Width; c++)
                image[r, c] = transform(values[r * map.Width + c]);
        return image;
    }

    private static ScottPlot.Plot Panel(double[,] image, ScottPlot.IColormap colormap, string title, string unit)
    {
        var plot = new ScottPlot.Plot();
        var heatmap = plot.Add.Heatmap(image);
        heatmap.Colormap = colormap;
        heatmap.NaNCellColor = ScottPlot.Colors.Black;
        var bar = plot.Add.ColorBar(heatmap);
        bar.Label = unit;
        plot.Axes.SquareUnits();
        plot.HideAxesAndGrid();
        plot.Title(title, size: 13);
        return plot;
    }
}
