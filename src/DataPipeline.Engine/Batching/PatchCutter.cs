using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Runtime;

namespace DataPipeline.Engine.Batching;

/// <summary>
/// Where square patches go in a frame and how they are cut: anywhere, centred on a label
/// maximum, only where a mask allows, and either inside the frame or reaching past its edges with
/// the frame mirrored there (half-sample symmetric, as fill mode reflect). A patch's centre is its
/// pixel (size / 2, size / 2); the mask and the placement speak of that pixel. Data and label are cut
/// at the same place (the label at its own resolution); positions move with the patch, those
/// outside it are dropped and, with mirrored edges, the mirrored scatterers inside it are added.
/// </summary>
public sealed class PatchCutter
{
    private readonly int _h, _w, _ratio, _steps;
    private readonly int[]? _allowed; // the centres a mask allows (row * w + column), when masked

    /// <param name="frameShape">The frames' data shape, [H, W] or [T, H, W].</param>
    /// <param name="ratio">Label pixels per data pixel.</param>
    /// <param name="mask">H x W, row-major: true where a patch's centre may lie; null = anywhere.</param>
    public PatchCutter(int[] frameShape, int ratio, int size, bool onLabel = false, bool mirror = false, bool[]? mask = null)
    {
        ArgumentNullException.ThrowIfNull(frameShape);
        _h = frameShape[^2];
        _w = frameShape[^1];
        _steps = frameShape.Length == 3 ? frameShape[0] : 1;
        _ratio = ratio;
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(size), $"A patch needs a size of at least 1 pixel; got {size}.");
        if (size > _h || size > _w)
            throw new ArgumentException($"A patch of {size}x{size} does not fit in frames of {_h}x{_w}{(mirror ? " (mirrored edges extend a patch by less than its half, so it must still fit)" : "")}.", nameof(size));
        Size = size;
        OnLabel = onLabel;
        Mirror = mirror;
        if (mask is not null)
        {
            if (mask.Length != _h * _w)
                throw new ArgumentException($"The patch mask holds {mask.Length} values; frames of {_h}x{_w} need {_h * _w}, one per data pixel.", nameof(mask));
            _allowed = Enumerable.Range(0, mask.Length).Where(k => mask[k] && Fits(k / _w, k % _w)).ToArray();
            if (_allowed.Length == 0)
                throw new ArgumentException(mirror
                    ? "The patch mask allows no pixel; set some to true."
                    : $"The patch mask allows no centre where a {size}x{size} patch fits inside the frame; allow pixels at least {size / 2} from the edges, or mirror the edges.", nameof(mask));
        }
    }

    public int Size { get; }
    public bool OnLabel { get; }
    public bool Mirror { get; }
    public bool Masked => _allowed is not null;

    private bool Fits(int row, int column) =>
        Mirror || (row - Size / 2 >= 0 && row - Size / 2 + Size <= _h && column - Size / 2 >= 0 && column - Size / 2 + Size <= _w);

    /// <summary>
    /// The top-left corner (data pixels; negative past the edge when mirroring) of one patch in a
    /// frame with this label. Unmasked, unmirrored placement draws as the generator always has, so
    /// seeds keep their patches.
    /// </summary>
    public (int Top, int Left) Place(ReadOnlySpan<float> label, SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        int top, left;
        if (_allowed is null)
        {
            // Inside the frame, or (mirroring) with the centre pixel anywhere in it.
            top = Mirror ? random.NextInt(-(Size / 2), _h - 1 - Size / 2) : random.NextInt(0, _h - Size);
            left = Mirror ? random.NextInt(-(Size / 2), _w - 1 - Size / 2) : random.NextInt(0, _w - Size);
        }
        else
        {
            int k = _allowed[random.NextInt(0, _allowed.Length - 1)];
            (top, left) = (k / _w - Size / 2, k % _w - Size / 2);
        }
        if (OnLabel && LabelMaximum(label, random) is (int row, int column)) (top, left) = Centred(row / _ratio, column / _ratio);
        return (top, left);
    }

    /// <summary>
    /// Up to <paramref name="count"/> distinct places in one frame: on distinct label maxima when
    /// centring on the label (as many as it has), else distinct centres drawn without replacement.
    /// </summary>
    public IReadOnlyList<(int Top, int Left)> PlaceMany(ReadOnlySpan<float> label, int count, SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var places = new List<(int, int)>(count);
        if (OnLabel)
        {
            var peaks = Maxima(label).ToArray();
            random.Shuffle(peaks);
            foreach (var (row, column) in peaks)
            {
                var place = Centred(row / _ratio, column / _ratio);
                if (!places.Contains(place)) places.Add(place);
                if (places.Count == count) break;
            }
            if (peaks.Length > 0) return places;
        }
        var centres = _allowed?.ToArray() ?? Enumerable.Range(0, _h * _w).Where(k => Fits(k / _w, k % _w)).ToArray();
        // A partial Fisher-Yates: the first count entries become a uniform sample without replacement.
        for (int i = 0; i < Math.Min(count, centres.Length); i++)
        {
            int j = random.NextInt(i, centres.Length - 1);
            (centres[i], centres[j]) = (centres[j], centres[i]);
            places.Add((centres[i] / _w - Size / 2, centres[i] % _w - Size / 2));
        }
        return places;
    }

    /// <summary>
    /// Up to <paramref name="count"/> patches of a labelled frame, each a frame of its own (data,
    /// label, positions), for a patch dataset (data_tools' create_dataset): its Source names the
    /// frame and the patch's corner, so every patch can be traced back.
    /// </summary>
    public IEnumerable<Frame> Patches(Frame frame, int count, SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (frame.Label is null)
            throw new ArgumentException($"{frame} has no label; patches are cut from data and label together.", nameof(frame));
        if (frame.Height != _h || frame.Width != _w || frame.TimeSteps != _steps || frame.SizeRatio != _ratio)
            throw new ArgumentException($"{frame} is not of the shape this cutter was made for ({_h}x{_w}, ratio {_ratio}).", nameof(frame));
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), $"At least one patch per frame; got {count}.");
        int[] shape = [.. frame.Shape[..^2], Size, Size], labelShape = [.. frame.LabelShape![..^2], Size * _ratio, Size * _ratio];
        foreach (var (top, left) in PlaceMany(frame.Label, count, random))
        {
            var data = new float[Frame.ElementCount(shape)];
            var label = new float[Frame.ElementCount(labelShape)];
            var positions = Cut(frame.Data, frame.Label, frame.Positions, top, left, data, label);
            yield return new Frame(data, shape, label, labelShape, $"{frame.Source}#{frame.Index}@({top},{left})", frame.Index, positions);
        }
    }

    /// <summary>The corner of a patch centred on data pixel (row, column), kept inside the frame unless mirroring.</summary>
    private (int Top, int Left) Centred(int row, int column) => Mirror
        ? (row - Size / 2, column - Size / 2)
        : (Math.Clamp(row - Size / 2, 0, _h - Size), Math.Clamp(column - Size / 2, 0, _w - Size));

    /// <summary>
    /// One patch at (top, left) of the frame's data and label into the outputs; returns the
    /// positions in patch coordinates (null when the frame has none).
    /// </summary>
    public IReadOnlyList<ScattererPosition>? Cut(ReadOnlySpan<float> data, ReadOnlySpan<float> label, IReadOnlyList<ScattererPosition>? positions,
        int top, int left, Span<float> dataOut, Span<float> labelOut)
    {
        int h = _h, w = _w, p = Size, r = _ratio, lh = h * r, lw = w * r, lp = p * r;
        // Data planes are channels × steps (IQ has two channels); the label has one plane per step,
        // or one for the whole sequence (a track label).
        int planes = data.Length / (h * w), labelPlanes = label.Length / (lh * lw);
        for (int t = 0; t < planes; t++)
            CutPlane(data.Slice(t * h * w, h * w), h, w, top, left, p, dataOut.Slice(t * p * p, p * p));
        for (int t = 0; t < labelPlanes; t++)
            CutPlane(label.Slice(t * lh * lw, lh * lw), lh, lw, top * r, left * r, lp, labelOut.Slice(t * lp * lp, lp * lp));
        if (positions is null) return null;
        var inside = new List<ScattererPosition>(positions.Count);
        Span<double> rows = stackalloc double[3], columns = stackalloc double[3];
        foreach (var q in positions)
        {
            int nr = Images(q.Row + 0.5, h, rows), nc = Images(q.Column + 0.5, w, columns);
            for (int a = 0; a < nr; a++)
            for (int b = 0; b < nc; b++)
            {
                double ur = rows[a] - top, uc = columns[b] - left;
                if (ur >= 0 && ur < p && uc >= 0 && uc < p) inside.Add(q with { Row = ur - 0.5, Column = uc - 0.5 });
            }
        }
        return inside;
    }

    /// <summary>A coordinate and, when mirroring, its images across both edges (a patch never reaches further).</summary>
    private int Images(double u, int n, Span<double> into)
    {
        into[0] = u;
        if (!Mirror) return 1;
        into[1] = -u;
        into[2] = 2.0 * n - u;
        return 3;
    }

    /// <summary>Rows of a p x p window at (top, left) of a plane; rows and columns past the edges mirrored.</summary>
    private static void CutPlane(ReadOnlySpan<float> plane, int h, int w, int top, int left, int p, Span<float> output)
    {
        bool inside = top >= 0 && left >= 0 && top + p <= h && left + p <= w;
        for (int i = 0; i < p; i++)
        {
            var row = output.Slice(i * p, p);
            if (inside)
            {
                plane.Slice((top + i) * w + left, p).CopyTo(row);
                continue;
            }
            int source = Mirrored(top + i, h) * w;
            for (int j = 0; j < p; j++) row[j] = plane[source + Mirrored(left + j, w)];
        }
    }

    /// <summary>Index i folded into [0, n): -1 is 0, n is n - 1 (half-sample symmetric).</summary>
    private static int Mirrored(int i, int n) => i < 0 ? -i - 1 : i >= n ? 2 * n - 1 - i : i;

    /// <summary>
    /// A label pixel chosen at random among the label's local maxima above zero (at any time
    /// step), i.e. on one of its scatterers, and where masked, at an allowed centre; null when none.
    /// </summary>
    private (int Row, int Column)? LabelMaximum(ReadOnlySpan<float> label, SeededRandom random)
    {
        var peaks = Maxima(label);
        return peaks.Count == 0 ? null : peaks[random.NextInt(0, peaks.Count - 1)];
    }

    private List<(int Row, int Column)> Maxima(ReadOnlySpan<float> label)
    {
        int h = _h * _ratio, w = _w * _ratio;
        var peaks = new List<(int, int)>();
        for (int t = 0; t < label.Length / (h * w); t++) // every label plane: one for a track label
        {
            var plane = label.Slice(t * h * w, h * w);
            for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++)
            {
                float v = plane[i * w + j];
                if (v <= 0) continue;
                if ((i > 0 && plane[(i - 1) * w + j] > v) || (i < h - 1 && plane[(i + 1) * w + j] > v) ||
                    (j > 0 && plane[i * w + j - 1] > v) || (j < w - 1 && plane[i * w + j + 1] > v)) continue;
                if (_allowed is not null && !IsAllowed(i / _ratio, j / _ratio)) continue;
                peaks.Add((i, j));
            }
        }
        return peaks;
    }

    private bool IsAllowed(int row, int column) => Array.BinarySearch(_allowed!, row * _w + column) >= 0;
}
