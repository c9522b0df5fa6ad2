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

    /// <summary>Scale factor about the centre (above 1 enlarges the content).</summary>
    public double Zoom { get; init; } = 1;

    /// <summary>Shear angle: a point moves along its row by tan(ShearDeg) times its row distance from the centre.</summary>
    public double ShearDeg { get; init; }

    /// <summary>The smooth random displacement applied after the affine motion; null = none.</summary>
    public ElasticField? Elastic { get; init; }

    /// <summary>Added to the data after scaling and noise.</summary>
    public double Offset { get; init; }

    /// <summary>What resampling shows outside the frame.</summary>
    public FillMode Fill { get; init; }

    /// <summary>The data value outside the frame under <see cref="FillMode.Constant"/> (labels get 0).</summary>
    public double FillValue { get; init; }

    internal bool Permutes => FlipRows || FlipColumns || Quarters != 0;
    internal bool Resamples => AngleDeg != 0 || ShiftRow != 0 || ShiftColumn != 0 || Zoom != 1 || ShearDeg != 0 || Elastic is not null;
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
        if (settings.Zoom.Low > settings.Zoom.High || settings.Zoom.Low <= 0)
            throw new ArgumentException($"zoom must be [lo, hi] with 0 < lo <= hi; got {settings.Zoom}.", nameof(settings));
        if (settings.IntensityShift.Low > settings.IntensityShift.High)
            throw new ArgumentException($"intensity_shift must be [lo, hi] with lo <= hi; got {settings.IntensityShift}.", nameof(settings));
        if (settings.ShearDeg is < 0 or >= 90 || settings.ElasticAlphaPx < 0 || !(settings.ElasticSigmaPx > 0))
            throw new ArgumentException(FormattableString.Invariant(
                $"shear_deg must be in [0, 90), elastic_alpha_px not negative and elastic_sigma_px positive; got {settings.ShearDeg}, {settings.ElasticAlphaPx}, {settings.ElasticSigmaPx}."), nameof(settings));
        _settings = settings;
    }

    public AugmentSettings Settings => _settings;

    /// <summary>True when no augmentation is switched on; batches are then plain copies.</summary>
    public bool IsIdentity =>
        _settings.SnrDb is null && _settings.OutOfPlane == 0 && !Moves &&
        _settings.IntensityScale is { Low: 1, High: 1 } && _settings.IntensityShift is { Low: 0, High: 0 };

    /// <summary>True when some draws move pixels (flip, turn, rotation, shift, zoom, shear, elastic), not only scale or noise them.</summary>
    internal bool Moves => FlipsRows || FlipsColumns || _settings.Rot90 || _settings.RotationDeg != 0 || _settings.ShiftPx != 0 ||
        _settings.Zoom is not { Low: 1, High: 1 } || _settings.ShearDeg != 0 || _settings.ElasticAlphaPx != 0;

    // flip means both flips, as it always has.
    private bool FlipsRows => _settings.Flip || _settings.FlipVertical;
    private bool FlipsColumns => _settings.Flip || _settings.FlipHorizontal;

    /// <summary>The switched-on augmentations in words, for the generator's list view.</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        if (_settings.Flip) parts.Add("flip");
        else if (FlipsRows || FlipsColumns) parts.Add(FlipsRows && FlipsColumns ? "flip vertical, flip horizontal" : FlipsRows ? "flip vertical" : "flip horizontal");
        if (_settings.Rot90) parts.Add("rot90");
        if (_settings.RotationDeg > 0) parts.Add(FormattableString.Invariant($"rotation ±{_settings.RotationDeg} deg"));
        if (_settings.ShiftPx > 0) parts.Add(FormattableString.Invariant($"shift ±{_settings.ShiftPx} px"));
        if (_settings.Zoom is not { Low: 1, High: 1 }) parts.Add($"zoom {_settings.Zoom}");
        if (_settings.ShearDeg > 0) parts.Add(FormattableString.Invariant($"shear ±{_settings.ShearDeg} deg"));
        if (_settings.ElasticAlphaPx > 0) parts.Add(FormattableString.Invariant($"elastic {_settings.ElasticAlphaPx} px (sigma {_settings.ElasticSigmaPx} px)"));
        if (Moves && _settings.FillMode != FillMode.Nearest)
            parts.Add(_settings.FillMode == FillMode.Constant ? FormattableString.Invariant($"fill constant {_settings.FillValue}") : "fill reflect");
        if (_settings.IntensityScale is not { Low: 1, High: 1 }) parts.Add($"intensity {_settings.IntensityScale}");
        if (_settings.IntensityShift is not { Low: 0, High: 0 }) parts.Add($"intensity shift {_settings.IntensityShift}");
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

    /// <summary>
    /// Draws one sample's parameters for frames of <paramref name="shape"/> (the elastic field's
    /// grid); only switched-on augmentations consume numbers, the older ones first, so a seed
    /// gives the same flips, turns, rotations, shifts and scales as before the newer keys existed.
    /// </summary>
    public AugmentDraw Draw(SeededRandom random, int[]? shape = null)
    {
        bool flipRows = FlipsRows && random.NextDouble() < 0.5;
        bool flipColumns = FlipsColumns && random.NextDouble() < 0.5;
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
        var zoom = _settings.Zoom;
        var shift = _settings.IntensityShift;
        ElasticField? elastic = null;
        if (_settings.ElasticAlphaPx > 0)
        {
            if (shape is null) throw new ArgumentException("An elastic warp needs the frame's shape to draw its field.", nameof(shape));
            elastic = ElasticField.Draw(shape[^2], shape[^1], _settings.ElasticAlphaPx, _settings.ElasticSigmaPx, random);
        }
        return new AugmentDraw(flipRows, flipColumns, quarters, angle, shiftRow, shiftColumn, scale)
        {
            Zoom = zoom.Low == zoom.High ? zoom.Low : random.NextDouble(zoom.Low, zoom.High),
            ShearDeg = _settings.ShearDeg > 0 ? random.NextDouble(-_settings.ShearDeg, _settings.ShearDeg) : 0,
            Offset = shift.Low == shift.High ? shift.Low : random.NextDouble(shift.Low, shift.High),
            Elastic = elastic,
            Fill = _settings.FillMode,
            FillValue = _settings.FillValue,
        };
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
        Transform(data, shape, output, draw, 1, (float)draw.FillValue);
        if (draw.Scale != 1)
        {
            float scale = (float)draw.Scale;
            for (int i = 0; i < output.Length; i++) output[i] *= scale;
        }
        if (_settings.SnrDb is double snr)
            AddNoise(output, snr, random);
        if (draw.Offset != 0)
        {
            float offset = (float)draw.Offset;
            for (int i = 0; i < output.Length; i++) output[i] += offset;
        }
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

    /// <summary>
    /// The draw's motion on an array [H, W] or [T, H, W] whose pixels are 1/<paramref name="ratio"/> data pixels;
    /// <paramref name="fill"/> is what fill mode constant shows outside the frame (0 for labels: no scatterer there).
    /// </summary>
    internal static void Transform(ReadOnlySpan<float> source, int[] shape, Span<float> output, AugmentDraw draw, int ratio, float fill = 0)
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
                if (draw.Resamples) AugmentGeometry.Resample(src, dst, h, w, draw, ratio, fill);
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
    /// Positions (data pixels, centres at integers) under the same motion as the data; those moved
    /// outside the frame are dropped (and under fill mode reflect, mirrored ones inside added).
    /// </summary>
    public static IReadOnlyList<ScattererPosition> TransformPositions(IReadOnlyList<ScattererPosition> positions, int[] shape, AugmentDraw draw) =>
        AugmentGeometry.Forward(positions, shape[^2], shape[^1], draw);
}
