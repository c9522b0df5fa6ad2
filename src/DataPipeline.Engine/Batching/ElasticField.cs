using DataPipeline.Engine.Runtime;

namespace DataPipeline.Engine.Batching;

/// <summary>
/// A smooth random displacement field over a frame of [h, w] data pixels (Simard et al.'s elastic
/// distortion): white Gaussian noise smoothed by a Gaussian of width sigma and rescaled so each
/// component has standard deviation alpha at every pixel, whatever sigma (the original recipe's
/// alpha * smooth(uniform) shrinks as sigma grows, so alpha meant nothing on its own).
/// Values sit at pixel centres and are interpolated bilinearly between them, so one field moves
/// the data and a label at any resolution identically.
/// </summary>
public sealed class ElasticField
{
    private readonly float[] _rows, _columns;

    private ElasticField(int height, int width, float[] rows, float[] columns)
    {
        Height = height;
        Width = width;
        _rows = rows;
        _columns = columns;
    }

    public int Height { get; }
    public int Width { get; }

    /// <summary>A field whose components have standard deviation <paramref name="alpha"/> data pixels, smoothed over <paramref name="sigma"/> pixels.</summary>
    public static ElasticField Draw(int height, int width, double alpha, double sigma, SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (!(sigma > 0)) throw new ArgumentOutOfRangeException(nameof(sigma), $"The elastic field's sigma must be positive; got {sigma}.");
        int radius = (int)Math.Ceiling(3 * sigma);
        var kernel = new double[2 * radius + 1];
        double sum = 0;
        for (int k = -radius; k <= radius; k++) sum += kernel[k + radius] = Math.Exp(-k * k / (2 * sigma * sigma));
        double energy = 0;
        for (int k = 0; k < kernel.Length; k++)
        {
            kernel[k] /= sum;
            energy += kernel[k] * kernel[k];
        }
        // The separable 2-D kernel's squared weights sum to energy^2: smoothed unit noise has std = energy.
        double gain = alpha / energy;
        var rows = Smoothed(height, width, kernel, gain, random);
        var columns = Smoothed(height, width, kernel, gain, random);
        return new ElasticField(height, width, rows, columns);
    }

    /// <summary>Unit white noise, smoothed along rows then columns with mirrored edges, times <paramref name="gain"/>.</summary>
    private static float[] Smoothed(int h, int w, double[] kernel, double gain, SeededRandom random)
    {
        var noise = new float[h * w];
        random.AddGaussian(noise, 1);
        int radius = kernel.Length / 2;
        var across = new float[h * w];
        for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++)
        {
            double s = 0;
            for (int k = -radius; k <= radius; k++) s += kernel[k + radius] * noise[i * w + Mirror(j + k, w)];
            across[i * w + j] = (float)s;
        }
        var field = new float[h * w];
        for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++)
        {
            double s = 0;
            for (int k = -radius; k <= radius; k++) s += kernel[k + radius] * across[Mirror(i + k, h) * w + j];
            field[i * w + j] = (float)(s * gain);
        }
        return field;
    }

    private static int Mirror(int i, int n) => (int)Math.Round(PlaneSampler.Fold(i, n));

    /// <summary>The displacement, in data pixels, at continuous data coordinates (u = index + 0.5).</summary>
    public (double Row, double Column) At(double ur, double uc) =>
        (PlaneSampler.Sample(_rows, Height, Width, ur - 0.5, uc - 0.5, FillMode.Nearest, 0),
         PlaneSampler.Sample(_columns, Height, Width, ur - 0.5, uc - 0.5, FillMode.Nearest, 0));
}
