using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Runtime;
using DataPipeline.Engine.Simulation;

namespace DataPipeline.Engine.Batching;

/// <summary>
/// One sample's random augmentation parameters. Drawn once and applied to data, label and
/// positions alike, so the label never drifts off its scatterer (the original drew nothing:
/// its rotation was a stub and its "dB" noise was a raw sigma on data and label independently).
/// </summary>
public readonly record struct AugmentDraw(
    bool FlipRows, bool FlipColumns, int Quarters, double AngleDeg, double ShiftRow, double ShiftColumn,
    double Scale)
{
    public static AugmentDraw Identity => new(false, false, 0, 0, 0, 0, 1);

    internal bool Permutes => FlipRows || FlipColumns || Quarters != 0;
    internal bool Resamples => AngleDeg != 0 || ShiftRow != 0 || ShiftColumn != 0;
}

/// <summary>
/// The [augment] section turned into work on one sample. Geometry works in continuous image
/// coordinates whose origin is the frame's corner (data pixel i covers [i, i+1)), so the label
/// at SizeRatio r undergoes exactly the same motion scaled by r, and positions (pixel centres at
/// integers) follow through u = p + 0.5. Frames [T, H, W] get the same transform at every step.
/// Exact operations (flips, quarter turns) are index permutations; an angle or shift is one
/// bilinear resample with edge values repeated, as scipy.ndimage's mode "nearest" does.
/// </summary>
public sealed class Augmenter
{
    private readonly AugmentSettings _settings;

    public Augmenter(AugmentSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.IntensityScale.Low > settings.IntensityScale.High || settings.IntensityScale.Low <= 0)
            throw new ArgumentException($"intensity_scale must be [lo, hi] with 0 < lo <= hi; got {settings.IntensityScale}.", nameof(settings));
        if (settings.RotationDeg < 0 || settings.ShiftPx < 0)
            throw new ArgumentException("rotation_deg and shift_px must not be negative.", nameof(settings));
        _settings = settings;
    }

    public AugmentSettings Settings => _settings;

    /// <summary>True when no augmentation is switched on; batches are then plain copies.</summary>
    public bool IsIdentity =>
        _settings.SnrDb is null && _settings.OutOfPlane == 0 && !_settings.Flip && !_settings.Rot90 && _settings.RotationDeg == 0 &&
        _settings.ShiftPx == 0 && _settings.IntensityScale.Low == 1 && _settings.IntensityScale.High == 1;

    /// <summary>True when some draws move pixels (flip, turn, rotation or shift), not only scale or noise them.</summary>
    internal bool Moves => _settings.Flip || _settings.Rot90 || _settings.RotationDeg != 0 || _settings.ShiftPx != 0;

    /// <summary>The switched-on augmentations in words, for the generator's list view.</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        if (_settings.Flip) parts.Add("flip");
        if (_settings.Rot90) parts.Add("rot90");
        if (_settings.RotationDeg > 0) parts.Add(FormattableString.Invariant($"rotation ±{_settings.RotationDeg} deg"));
        if (_settings.ShiftPx > 0) parts.Add(FormattableString.Invariant($"shift ±{_settings.ShiftPx} px"));
        if (_settings.IntensityScale is not { Low: 1, High: 1 }) parts.Add($"intensity {_settings.IntensityScale}");
        if (_settings.SnrDb is double snr) parts.Add(FormattableString.Invariant($"noise {snr} dB SNR"));
        if (_settings.OutOfPlane > 0) parts.Add(FormattableString.Invariant($"out of plane p={_settings.OutOfPlane}"));
        return parts.Count == 0 ? "off" : string.Join(", ", parts);
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<FrameOrigin, ScattererSimulator?> _simulators = new();

    /// <summary>
    /// The data of <paramref name="frame"/> re-rendered with each of its scatterers dropped with
    /// probability out_of_plane, and its positions marking the dropped ones out of the data; null
    /// when out_of_plane is off, nothing was dropped, or the frame cannot be re-rendered (it was not
    /// simulated here, or carries no positions). The label is not touched: it keeps every scatterer.
    /// </summary>
    public (float[] Data, IReadOnlyList<ScattererPosition> Positions)? RemoveOutOfPlane(Frame frame, SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (_settings.OutOfPlane == 0 || frame.Positions is null || frame.Origin is not { } origin) return null;
        var simulator = _simulators.GetOrAdd(origin, Simulator);
        if (simulator is null) return null;
        var dropped = new HashSet<int>();
        foreach (int k in frame.Positions.Select(p => p.Scatterer).Distinct().Order())
            if (random.NextDouble() < _settings.OutOfPlane) dropped.Add(k);
        if (dropped.Count == 0) return null;
        var rendered = simulator.Render(frame.Index, dropped);
        // A frame reshaped since it was simulated cannot be rebuilt; leave it as it is.
        if (!rendered.Shape.SequenceEqual(frame.Shape)) return null;
        return (rendered.Data, rendered.Positions!);
    }

    /// <summary>The simulator that made frames of <paramref name="origin"/>, rebuilt from its recorded settings.</summary>
    private static ScattererSimulator? Simulator(FrameOrigin origin)
    {
        if (origin.Generator != nameof(ScattererSimulator) || origin.Configuration is null) return null;
        try
        {
            return new ScattererSimulator(ConfigLoader.Parse(origin.Configuration, "frame origin").Simulation);
        }
        catch (Exception e) when (e is ConfigException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Draws one sample's parameters; only switched-on augmentations consume numbers.</summary>
    public AugmentDraw Draw(SeededRandom random)
    {
        bool flipRows = false, flipColumns = false;
        if (_settings.Flip)
        {
            flipRows = random.NextDouble() < 0.5;
            flipColumns = random.NextDouble() < 0.5;
        }
        int quarters = _settings.Rot90 ? random.NextInt(0, 3) : 0;
        double angle = _settings.RotationDeg > 0 ? random.NextDouble(-_settings.RotationDeg, _settings.RotationDeg) : 0;
        double shiftRow = 0, shiftColumn = 0;
        if (_settings.ShiftPx > 0)
        {
            shiftRow = random.NextDouble(-_settings.ShiftPx, _settings.ShiftPx);
            shiftColumn = random.NextDouble(-_settings.ShiftPx, _settings.ShiftPx);
        }
        var range = _settings.IntensityScale;
        double scale = range.Low == range.High ? range.Low : random.NextDouble(range.Low, range.High);
        return new AugmentDraw(flipRows, flipColumns, quarters, angle, shiftRow, shiftColumn, scale);
    }

    /// <summary>
    /// A copy of <paramref name="frame"/> with <paramref name="draw"/> applied; noise, when on, takes
    /// its numbers from <paramref name="random"/>.
    /// </summary>
    public Frame Apply(Frame frame, AugmentDraw draw, SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var data = new float[frame.Data.Length];
        float[]? label = frame.Label is null ? null : new float[frame.Label.Length];
        ApplyData(frame.Data, frame.Shape, data, draw, random);
        if (label is not null)
            Transform(frame.Label, frame.LabelShape!, label, draw, frame.SizeRatio);
        var positions = frame.Positions is null ? null : TransformPositions(frame.Positions, frame.Shape, draw);
        return new Frame(data, frame.Shape, label, frame.LabelShape, frame.Source, frame.Index, positions, frame.Origin);
    }

    /// <summary>
    /// Geometry, intensity and noise on data of <paramref name="shape"/> into <paramref name="output"/>;
    /// the two may be the same span when the draw moves nothing.
    /// </summary>
    internal void ApplyData(ReadOnlySpan<float> data, int[] shape, Span<float> output, AugmentDraw draw, SeededRandom random)
    {
        Transform(data, shape, output, draw, 1);
        if (draw.Scale != 1)
        {
            float scale = (float)draw.Scale;
            for (int i = 0; i < output.Length; i++) output[i] *= scale;
        }
        if (_settings.SnrDb is double snr)
            AddNoise(output, snr, random);
    }

    /// <summary>
    /// Gaussian noise at a true SNR: sigma from the rms of this sample as it stands (after
    /// intensity scaling), so the requested dB is what the model sees.
    /// </summary>
    internal static void AddNoise(Span<float> data, double snrDb, SeededRandom random)
    {
        double sigma = Math.Sqrt(SumOfSquares(data) / data.Length) * Math.Pow(10, -snrDb / 20);
        if (sigma == 0) return;
        random.AddGaussian(data, sigma);
    }

    /// <summary>
    /// The sum of squares in double, over sixteen running sums (element i in sum i mod 16) added in a
    /// fixed order, so the total, and the noise's sigma, is the same on every vector width. One serial
    /// sum would wait on the add's latency at every element and cost as much as the noise itself.
    /// </summary>
    internal static double SumOfSquares(ReadOnlySpan<float> data)
    {
        const int Sums = 16;
        int width = Vector<float>.Count, blocks = data.Length / Sums;
        Span<Vector<double>> sums = stackalloc Vector<double>[2 * Sums / width];
        sums.Clear();
        ref float head = ref MemoryMarshal.GetReference(data);
        for (int b = 0; b < blocks; b++)
        {
            for (int lane = 0, k = 0; lane < Sums; lane += width, k += 2)
            {
                Vector.Widen(Vector.LoadUnsafe(ref head, (nuint)(b * Sums + lane)), out var low, out var high);
                sums[k] += low * low;
                sums[k + 1] += high * high;
            }
        }
        double total = 0;
        foreach (var sum in sums)
            for (int i = 0; i < Vector<double>.Count; i++) total += sum[i];
        for (int i = blocks * Sums; i < data.Length; i++) total += (double)data[i] * data[i];
        return total;
    }

    /// <summary>The draw's motion on an array [H, W] or [T, H, W] whose pixels are 1/<paramref name="ratio"/> data pixels.</summary>
    internal static void Transform(ReadOnlySpan<float> source, int[] shape, Span<float> output, AugmentDraw draw, int ratio)
    {
        int h = shape[^2], w = shape[^1], plane = h * w, steps = source.Length / plane;
        if (draw.Quarters % 2 == 1 && h != w)
            throw new ArgumentException($"A quarter turn needs square frames; got {h}x{w}.");
        if (!draw.Permutes && !draw.Resamples)
        {
            // In place (source and output one span) there is nothing to copy.
            if (!(source.Overlaps(output, out int offset) && offset == 0)) source.CopyTo(output);
            return;
        }
        float[]? rented = null;
        try
        {
            ReadOnlySpan<float> stage = source;
            if (draw.Permutes && draw.Resamples)
            {
                // Two passes: the permutation lands in scratch, the resample reads it.
                rented = ArrayPool<float>.Shared.Rent(source.Length);
                var scratch = rented.AsSpan(0, source.Length);
                for (int t = 0; t < steps; t++)
                    Permute(source.Slice(t * plane, plane), scratch.Slice(t * plane, plane), h, w, draw);
                stage = scratch;
            }
            for (int t = 0; t < steps; t++)
            {
                var src = stage.Slice(t * plane, plane);
                var dst = output.Slice(t * plane, plane);
                if (draw.Resamples) Resample(src, dst, h, w, draw, ratio);
                else Permute(src, dst, h, w, draw);
            }
        }
        finally
        {
            if (rented is not null) ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>Flips first, then counter-clockwise quarter turns (numpy's rot90 on the row, column axes).</summary>
    private static void Permute(ReadOnlySpan<float> src, Span<float> dst, int h, int w, AugmentDraw draw)
    {
        int q = ((draw.Quarters % 4) + 4) % 4;
        for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++)
        {
            // Output (i, j) of the turn reads the flipped plane at (a, b).
            (int a, int b) = q switch
            {
                1 => (j, w - 1 - i),
                2 => (h - 1 - i, w - 1 - j),
                3 => (h - 1 - j, i),
                _ => (i, j),
            };
            if (draw.FlipRows) a = h - 1 - a;
            if (draw.FlipColumns) b = w - 1 - b;
            dst[i * w + j] = src[a * w + b];
        }
    }

    /// <summary>
    /// Rotation by AngleDeg about the centre, then the shift (in data pixels, times the ratio),
    /// by inverse mapping each output pixel centre and sampling bilinearly with clamped edges.
    /// </summary>
    private static void Resample(ReadOnlySpan<float> src, Span<float> dst, int h, int w, AugmentDraw draw, int ratio)
    {
        double theta = draw.AngleDeg * Math.PI / 180, cos = Math.Cos(theta), sin = Math.Sin(theta);
        double cr = h / 2.0, cc = w / 2.0;
        double sr = draw.ShiftRow * ratio, sc = draw.ShiftColumn * ratio;
        // Source coordinates are linear along a row, so they are stepped rather than recomputed.
        double dc0 = 0.5 - cc - sc;
        for (int i = 0; i < h; i++)
        {
            double dr = i + 0.5 - cr - sr;
            double y = cos * dr + sin * dc0 + cr - 0.5, x = -sin * dr + cos * dc0 + cc - 0.5;
            var row = dst.Slice(i * w, w);
            for (int j = 0; j < w; j++, y += sin, x += cos)
            {
                double yy = y, xx = x;
                int y0, x0, y1, x1;
                if (yy >= 0 && yy < h - 1 && xx >= 0 && xx < w - 1)
                {
                    y0 = (int)yy;
                    x0 = (int)xx;
                    y1 = y0 + 1;
                    x1 = x0 + 1;
                }
                else
                {
                    // Outside the interior: repeat the edge (and cope with 1-pixel-wide planes).
                    yy = Math.Clamp(yy, 0, h - 1);
                    xx = Math.Clamp(xx, 0, w - 1);
                    y0 = Math.Min((int)yy, Math.Max(h - 2, 0));
                    x0 = Math.Min((int)xx, Math.Max(w - 2, 0));
                    y1 = Math.Min(y0 + 1, h - 1);
                    x1 = Math.Min(x0 + 1, w - 1);
                }
                float fy = (float)(yy - y0), fx = (float)(xx - x0);
                float a = src[y0 * w + x0], b = src[y0 * w + x1], c = src[y1 * w + x0], d = src[y1 * w + x1];
                float top = a + (b - a) * fx, bottom = c + (d - c) * fx;
                row[j] = top + (bottom - top) * fy;
            }
        }
    }

    /// <summary>Positions (data pixels, centres at integers) under the same motion as the data.</summary>
    public static IReadOnlyList<ScattererPosition> TransformPositions(IReadOnlyList<ScattererPosition> positions, int[] shape, AugmentDraw draw)
    {
        int h = shape[^2], w = shape[^1];
        double cr = h / 2.0, cc = w / 2.0;
        double theta = draw.AngleDeg * Math.PI / 180, cos = Math.Cos(theta), sin = Math.Sin(theta);
        int q = ((draw.Quarters % 4) + 4) % 4;
        var moved = new ScattererPosition[positions.Count];
        for (int k = 0; k < moved.Length; k++)
        {
            var p = positions[k];
            double ur = p.Row + 0.5, uc = p.Column + 0.5;
            if (draw.FlipRows) ur = h - ur;
            if (draw.FlipColumns) uc = w - uc;
            double dr = ur - cr, dc = uc - cc;
            for (int turn = 0; turn < q; turn++) (dr, dc) = (-dc, dr);
            (dr, dc) = (cos * dr - sin * dc, sin * dr + cos * dc);
            moved[k] = p with { Row = dr + cr + draw.ShiftRow - 0.5, Column = dc + cc + draw.ShiftColumn - 0.5 };
        }
        return moved;
    }
}
