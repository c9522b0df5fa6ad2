using System.Numerics;
using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Runtime;
using Xunit;

namespace DataPipeline.Tests.Engine;

public class AugmenterTests
{
    private static float[] Run(float[] source, int[] shape, AugmentDraw draw, int ratio = 1)
    {
        var output = new float[source.Length];
        Augmenter.Transform(source, shape, output, draw, ratio);
        return output;
    }

    private static float[] Range(int n) => Enumerable.Range(1, n).Select(i => (float)i).ToArray();

    [Fact]
    public void FlipsMirrorRowsAndColumns()
    {
        var x = Range(6); // [[1 2 3] [4 5 6]]
        Assert.Equal([4f, 5, 6, 1, 2, 3], Run(x, [2, 3], AugmentDraw.Identity with { FlipRows = true }));
        Assert.Equal([3f, 2, 1, 6, 5, 4], Run(x, [2, 3], AugmentDraw.Identity with { FlipColumns = true }));
        Assert.Equal([6f, 5, 4, 3, 2, 1], Run(x, [2, 3], AugmentDraw.Identity with { FlipRows = true, FlipColumns = true }));
    }

    [Fact]
    public void QuarterTurnsMatchNumpyRot90()
    {
        var x = Range(9); // [[1 2 3] [4 5 6] [7 8 9]]
        Assert.Equal([3f, 6, 9, 2, 5, 8, 1, 4, 7], Run(x, [3, 3], AugmentDraw.Identity with { Quarters = 1 }));
        Assert.Equal([9f, 8, 7, 6, 5, 4, 3, 2, 1], Run(x, [3, 3], AugmentDraw.Identity with { Quarters = 2 }));
        Assert.Equal([7f, 4, 1, 8, 5, 2, 9, 6, 3], Run(x, [3, 3], AugmentDraw.Identity with { Quarters = 3 }));
        Assert.Throws<ArgumentException>(() => Run(Range(6), [2, 3], AugmentDraw.Identity with { Quarters = 1 }));
    }

    [Fact]
    public void ShiftsMoveContentAndRepeatTheEdge()
    {
        var x = new float[] { 1, 2, 3, 4, 1, 2, 3, 4 }; // two equal rows
        Assert.Equal([1f, 1, 2, 3, 1, 1, 2, 3], Run(x, [2, 4], AugmentDraw.Identity with { ShiftColumn = 1 }));
        Assert.Equal([1f, 1.5f, 2.5f, 3.5f, 1, 1.5f, 2.5f, 3.5f], Run(x, [2, 4], AugmentDraw.Identity with { ShiftColumn = 0.5 }));
        // A label at twice the resolution moves twice as many of its own pixels.
        var label = new float[] { 1, 2, 3, 4, 5, 6, 7, 8 };
        Assert.Equal([1f, 1, 1, 2, 3, 4, 5, 6], Run(label, [1, 8], AugmentDraw.Identity with { ShiftColumn = 1 }, ratio: 2));
        var rows = Range(6); // [[1 2] [3 4] [5 6]]
        Assert.Equal([1f, 2, 1, 2, 3, 4], Run(rows, [3, 2], AugmentDraw.Identity with { ShiftRow = 1 }));
    }

    [Fact]
    public void InterpolatedRotationBy90EqualsQuarterTurnForDataLabelAndSequences()
    {
        var random = new SeededRandom(11);
        foreach (int[] shape in new[] { new[] { 8, 8 }, new[] { 3, 6, 6 } })
        {
            var x = new float[shape.Aggregate(1, (a, b) => a * b)];
            for (int i = 0; i < x.Length; i++) x[i] = (float)random.NextDouble();
            var exact = Run(x, shape, AugmentDraw.Identity with { Quarters = 1 });
            var interpolated = Run(x, shape, AugmentDraw.Identity with { AngleDeg = 90 }, ratio: 2);
            for (int i = 0; i < x.Length; i++) Assert.Equal(exact[i], interpolated[i], 1e-5f);
            var back = Run(x, shape, AugmentDraw.Identity with { AngleDeg = -90 });
            var three = Run(x, shape, AugmentDraw.Identity with { Quarters = 3 });
            for (int i = 0; i < x.Length; i++) Assert.Equal(three[i], back[i], 1e-5f);
        }
    }

    [Fact]
    public void NoiseHitsTheRequestedSnrOnTheDataOnlyAndIntensityScalesOnlyTheData()
    {
        var frame = BlobFrame([3, 64, 64], 30, 20);
        var augmenter = new Augmenter(new AugmentSettings { SnrDb = 10, IntensityScale = new(2, 2) });
        var random = new SeededRandom(4);
        var noisy = augmenter.Apply(frame, augmenter.Draw(random), random);
        double signal = 0, noise = 0;
        for (int i = 0; i < frame.Data.Length; i++)
        {
            double clean = 2.0 * frame.Data[i];
            signal += clean * clean;
            noise += (noisy.Data[i] - clean) * (noisy.Data[i] - clean);
        }
        Assert.Equal(10, 10 * Math.Log10(signal / noise), 0.2);
        Assert.Equal(frame.Label, noisy.Label);

        var scaled = new Augmenter(new AugmentSettings { IntensityScale = new(0.5, 1.5) });
        var draw = scaled.Draw(new SeededRandom(9));
        var result = scaled.Apply(frame, draw, new SeededRandom(9));
        Assert.InRange(draw.Scale, 0.5, 1.5);
        Assert.Equal(frame.Data.Select(v => v * (float)draw.Scale), result.Data);
        Assert.Equal(frame.Label, result.Label);
    }

    [Fact]
    public void PositionsDataAndLabelMoveTogether()
    {
        var frame = BlobFrame([16, 16], 6, 9);
        var augmenter = new Augmenter(new AugmentSettings { Flip = true, Rot90 = true, RotationDeg = 40, ShiftPx = 1.5 });
        var random = new SeededRandom(21);
        for (int trial = 0; trial < 20; trial++)
        {
            var draw = augmenter.Draw(random);
            var moved = augmenter.Apply(frame, draw, random);
            var p = Assert.Single(moved.Positions!);
            var (dataRow, dataColumn) = Peak(moved.Data, 16);
            Assert.InRange(Math.Abs(dataRow - p.Row), 0, 0.75);
            Assert.InRange(Math.Abs(dataColumn - p.Column), 0, 0.75);
            // Label pixel centres sit at (p + 0.5) * 2 - 0.5 in label pixels.
            var (labelRow, labelColumn) = Peak(moved.Label!, 32);
            Assert.InRange(Math.Abs(labelRow - ((p.Row + 0.5) * 2 - 0.5)), 0, 0.75);
            Assert.InRange(Math.Abs(labelColumn - ((p.Column + 0.5) * 2 - 0.5)), 0, 0.75);
        }
    }

    [Fact]
    public void AugmentSectionParsesAndDefaultsToOff()
    {
        Assert.True(new Augmenter(new PipelineConfig().Augment).IsIdentity);
        var config = ConfigLoader.Parse("""
            [augment]
            snr_db = 12.5
            flip = true
            rot90 = true
            rotation_deg = 15
            shift_px = 1.5
            intensity_scale = [0.8, 1.2]
            """, "a.toml");
        Assert.Equal(12.5, config.Augment.SnrDb);
        Assert.True(config.Augment.Flip && config.Augment.Rot90);
        Assert.Equal(15, config.Augment.RotationDeg);
        Assert.Equal(new DoubleRange(0.8, 1.2), config.Augment.IntensityScale);
        Assert.Throws<ConfigException>(() => ConfigLoader.Parse("[augment]\nrotation_deg = -3", "b.toml"));
    }

    /// <summary>A Gaussian blob at (row, column) in the data and at the same place in a label at ratio 2.</summary>
    private static Frame BlobFrame(int[] shape, double row, double column)
    {
        int h = shape[^2], w = shape[^1], steps = shape.Length == 3 ? shape[0] : 1;
        var data = new float[steps * h * w];
        var label = new float[steps * 4 * h * w];
        for (int t = 0; t < steps; t++)
        {
            Splat(data.AsSpan(t * h * w, h * w), h, w, row, column, 1.5);
            Splat(label.AsSpan(t * 4 * h * w, 4 * h * w), 2 * h, 2 * w, (row + 0.5) * 2 - 0.5, (column + 0.5) * 2 - 0.5, 2.0);
        }
        int[] labelShape = [.. shape[..^2], 2 * h, 2 * w];
        return new Frame(data, shape, label, labelShape, "blob", 0, [new ScattererPosition(0, 0, row, column, true)]);
    }

    private static void Splat(Span<float> plane, int h, int w, double row, double column, double sigma)
    {
        for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++)
            plane[i * w + j] = (float)Math.Exp(-((i - row) * (i - row) + (j - column) * (j - column)) / (2 * sigma * sigma));
    }

    /// <summary>Sub-pixel peak: centroid of the 3x3 neighbourhood of the maximum.</summary>
    private static (double Row, double Column) Peak(float[] plane, int w)
    {
        int best = 0;
        for (int i = 1; i < plane.Length; i++) if (plane[i] > plane[best]) best = i;
        int r = best / w, c = best % w, h = plane.Length / w;
        double sum = 0, sr = 0, sc = 0;
        for (int i = Math.Max(r - 1, 0); i <= Math.Min(r + 1, h - 1); i++)
        for (int j = Math.Max(c - 1, 0); j <= Math.Min(c + 1, w - 1); j++)
        {
            sum += plane[i * w + j];
            sr += i * plane[i * w + j];
            sc += j * plane[i * w + j];
        }
        return (sr / sum, sc / sum);
    }
}

/// <summary>The batch noise's normal deviates (SeededRandom.AddGaussian over VectorGaussian's SIMD lanes).</summary>
public class AugmenterNoiseTests
{
    private static float[] Deviates(int n, long seed = 4, long stream = 9)
    {
        var values = new float[n];
        new SeededRandom(seed, stream).AddGaussian(values, 1);
        return values;
    }

    /// <summary>
    /// Checked against the normal distribution's own numbers: moments, the mass within 1 and 2 sigma,
    /// and the tails past 3 and 3.5 sigma, where a poor logarithm near u = 0 would show.
    /// </summary>
    [Fact]
    public void AddGaussianDrawsStandardNormalDeviates()
    {
        const int n = 2_000_000;
        var values = Deviates(n);
        double mean = values.Average(v => (double)v);
        double variance = values.Sum(v => (v - mean) * (v - mean)) / n;
        double skew = values.Sum(v => Math.Pow(v - mean, 3)) / n;
        double kurtosis = values.Sum(v => Math.Pow(v - mean, 4)) / n;
        Assert.InRange(mean, -0.0035, 0.0035);     // 5 standard errors of 1/sqrt(n)
        Assert.InRange(variance, 0.995, 1.005);    // standard error sqrt(2/n) = 0.001
        Assert.InRange(skew, -0.009, 0.009);       // sqrt(15/n) = 0.0027
        Assert.InRange(kurtosis, 2.975, 3.025);    // sqrt(96/n) = 0.0069
        double Share(Func<float, bool> f) => values.Count(f) / (double)n;
        Assert.InRange(Share(v => Math.Abs(v) < 1), 0.6827 - 0.0017, 0.6827 + 0.0017);
        Assert.InRange(Share(v => Math.Abs(v) < 2), 0.9545 - 0.0008, 0.9545 + 0.0008);
        // P(|x| > 3) = 0.0027: 5,400 of 2e6, standard deviation 73.
        Assert.InRange(values.Count(v => Math.Abs(v) > 3), 5400 - 370, 5400 + 370);
        // P(|x| > 3.5) = 4.65e-4: about 930 of 2e6, so +-150 is 5 sigma.
        Assert.InRange(values.Count(v => Math.Abs(v) > 3.5), 930 - 150, 930 + 150);
        Assert.InRange(values.Count(v => v > 3.5) / (double)values.Count(v => Math.Abs(v) > 3.5), 0.4, 0.6);
    }

    /// <summary>
    /// Neighbours in the span are uncorrelated: lag 1 (next lane), 16 (a lane's cosine and sine
    /// deviates, from one Box-Muller pair) and 32 (a lane's next block); also squared, which a
    /// shared radius between the pair's two deviates would correlate.
    /// </summary>
    [Fact]
    public void DeviatesAreUncorrelatedAcrossLanesPairsAndBlocks()
    {
        const int n = 1_000_000;
        var x = Deviates(n, 11, 3);
        double bound = 5 / Math.Sqrt(n);
        foreach (int lag in new[] { 1, 2, 15, 16, 17, 31, 32, 33 })
        {
            Assert.InRange(Correlation(x, lag, v => v), -bound, bound);
            Assert.InRange(Correlation(x, lag, v => v * v), -bound, bound);
        }
    }

    /// <summary>Lanes do not repeat one another, and successive fills (successive frames) are new, uncorrelated noise.</summary>
    [Fact]
    public void LanesAndSuccessiveFillsDiffer()
    {
        const int n = 320_000;
        var values = Deviates(n);
        for (int lane = 1; lane < VectorGaussian.Lanes; lane++)
            Assert.NotEqual(LaneOf(values, 0), LaneOf(values, lane));
        var random = new SeededRandom(5, 1);
        var first = new float[n];
        var second = new float[n];
        random.AddGaussian(first, 1);
        random.AddGaussian(second, 1);
        Assert.NotEqual(first, second);
        double bound = 5 / Math.Sqrt(n);
        Assert.InRange(Pearson(first, second), -bound, bound);
        var lane0 = LaneOf(values, 0);
        double laneBound = 5 / Math.Sqrt(lane0.Length);
        Assert.InRange(Pearson(lane0, LaneOf(values, 7)), -laneBound, laneBound);
    }

    /// <summary>Same stream, same numbers; a shorter fill is a prefix of a longer one (the partial last block).</summary>
    [Fact]
    public void FillsAreReproducibleAndShortFillsArePrefixes()
    {
        var full = Deviates(4096);
        Assert.Equal(full, Deviates(4096));
        foreach (int n in new[] { 1, 15, 31, 37, 100, 4095 })
            Assert.Equal(full.AsSpan(0, n).ToArray(), Deviates(n));
        var scaled = new float[4096];
        Array.Fill(scaled, 2f);
        new SeededRandom(4, 9).AddGaussian(scaled, 0.5);
        for (int i = 0; i < scaled.Length; i++) Assert.Equal(2 + 0.5 * full[i], scaled[i], 5e-6);
    }

    /// <summary>
    /// The exact bits of one fill, recorded once: the lanes are part of the definition and every step
    /// is an exactly rounded float operation, so this holds on any vector width and on both code
    /// paths (run it with DOTNET_EnableAVX512=0, DOTNET_EnableAVX2=0, DOTNET_EnableHWIntrinsic=0 or
    /// DOTNET_MaxVectorTBitWidth=512 to see).
    /// </summary>
    [Fact]
    public void FillIsBitIdenticalOnEveryVectorWidth()
    {
        ulong hash = 14695981039346656037;
        foreach (float v in Deviates(4096 + 19, 3, 7))
            hash = (hash ^ BitConverter.SingleToUInt32Bits(v)) * 1099511628211;
        Assert.Equal(4217608784244538952UL, hash);
    }

    /// <summary>
    /// The fill is Box-Muller on sixteen xoshiro128** lanes seeded from the stream: recomputed here
    /// in double with Math's functions, every deviate agrees to float precision.
    /// </summary>
    [Fact]
    public void FillMatchesBoxMullerInDoublePrecision()
    {
        const int n = 64_000 + 21;
        var values = Deviates(n, 8, 2);
        var random = new SeededRandom(8, 2);
        var lanes = new uint[VectorGaussian.Lanes][];
        for (int j = 0; j < lanes.Length; j++)
        {
            ulong a = random.NextUInt64(), b = random.NextUInt64();
            lanes[j] = [(uint)a, (uint)(a >> 32), (uint)b, (uint)(b >> 32)];
        }
        for (int block = 0; block * VectorGaussian.Block < n; block++)
        for (int j = 0; j < lanes.Length; j++)
        {
            uint u = Xoshiro128StarStar(lanes[j]), v = Xoshiro128StarStar(lanes[j]);
            double radius = Math.Sqrt(-2 * Math.Log(((u >> 8) + 1) / 16777216.0));
            double angle = 2 * Math.PI * v / 4294967296.0;
            int at = block * VectorGaussian.Block + j;
            if (at < n) Assert.Equal(radius * Math.Cos(angle), values[at], 2e-6 * (1 + radius));
            if (at + VectorGaussian.Lanes < n) Assert.Equal(radius * Math.Sin(angle), values[at + VectorGaussian.Lanes], 2e-6 * (1 + radius));
        }
    }

    /// <summary>The float logarithm against Math.Log over every binade of positive normal floats.</summary>
    [Fact]
    public void VectorLogIsAccurate()
    {
        var random = new SeededRandom(1, 1);
        int width = Vector<float>.Count;
        var inputs = new float[width];
        var outputs = new float[width];
        double worst = 0;
        for (int trial = 0; trial < 200_000; trial++)
        {
            for (int k = 0; k < width; k++)
                inputs[k] = trial < 100_000
                    ? (float)random.NextDouble(1e-8, 1)           // the Box-Muller range
                    : (float)Math.Exp(random.NextDouble(-87, 88)); // every binade
            VectorGaussian.Log(new Vector<float>(inputs)).CopyTo(outputs);
            for (int k = 0; k < width; k++)
            {
                double exact = Math.Log(inputs[k]);
                worst = Math.Max(worst, Math.Abs(outputs[k] - exact) / Math.Max(1, Math.Abs(exact)));
            }
        }
        Assert.InRange(worst, 0, 1e-6);
        Assert.Equal(0f, LogOf(1f));
        Assert.Equal(Math.Log(16777216.0), LogOf(16777216f), 1e-5);
        Assert.Equal(-Math.Log(16777216.0), LogOf(1f / 16777216), 1e-5);
    }

    /// <summary>Cosine and sine of a 32-bit turn against Math, including the quarter-turn edges.</summary>
    [Fact]
    public void VectorSinCosIsAccurate()
    {
        var random = new SeededRandom(2, 2);
        int width = Vector<uint>.Count;
        var turns = new uint[width];
        var cos = new float[width];
        var sin = new float[width];
        double worst = 0;
        uint[] edges = [0, 1u << 29, (1u << 29) - 1, 1u << 30, 3u << 29, 1u << 31, 3u << 30, 7u << 29, uint.MaxValue];
        for (int trial = 0; trial < 200_000; trial++)
        {
            for (int k = 0; k < width; k++)
                turns[k] = trial == 0 ? edges[k % edges.Length] : (uint)random.NextUInt64();
            VectorGaussian.SinCosTurn(new Vector<uint>(turns), out var c, out var s);
            c.CopyTo(cos);
            s.CopyTo(sin);
            for (int k = 0; k < width; k++)
            {
                double angle = 2 * Math.PI * turns[k] / 4294967296.0;
                worst = Math.Max(worst, Math.Max(Math.Abs(cos[k] - Math.Cos(angle)), Math.Abs(sin[k] - Math.Sin(angle))));
            }
        }
        Assert.InRange(worst, 0, 1e-6);
    }

    private static float LogOf(float x) => VectorGaussian.Log(new Vector<float>(x))[0];

    private static uint Xoshiro128StarStar(uint[] s)
    {
        uint result = BitOperations.RotateLeft(s[1] * 5, 7) * 9;
        uint t = s[1] << 9;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = BitOperations.RotateLeft(s[3], 11);
        return result;
    }

    private static float[] LaneOf(float[] values, int lane)
    {
        var picked = new List<float>();
        for (int at = lane; at < values.Length; at += VectorGaussian.Block) picked.Add(values[at]);
        return [.. picked];
    }

    private static double Correlation(float[] x, int lag, Func<double, double> f)
    {
        var a = new float[x.Length - lag];
        var b = new float[x.Length - lag];
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = (float)f(x[i]);
            b[i] = (float)f(x[i + lag]);
        }
        return Pearson(a, b);
    }

    private static double Pearson(float[] a, float[] b)
    {
        double ma = a.Average(v => (double)v), mb = b.Average(v => (double)v), sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }
        return sab / Math.Sqrt(saa * sbb);
    }
}
