namespace DataPipeline.Engine.Inference;

/// <summary>
/// Predicts a frame larger than the model's window tile by tile, as MONAI's
/// sliding_window_inference does: tiles overlap, and each tile's output is weighted by a Gaussian
/// that peaks at its centre (σ = window / 8 per axis), so the pixels a tile sees with the least
/// context (its borders, where zero padding distorts the convolutions) count least and the seams
/// vanish. Every output pixel is the weighted mean of the tiles covering it: the weights sum to 1.
/// </summary>
public sealed class SlidingWindow
{
    /// <param name="window">Tile shape, [H, W] or [T, H, W]; an axis the frame does not exceed is not tiled.</param>
    /// <param name="overlap">Overlap of neighbouring tiles: a fraction of the window in [0, 1), or a whole number of pixels (1 or more).</param>
    /// <param name="alignment">Tile starts are multiples of this on H and W (2^depth, the U-Net's pooling grid), and on T when <paramref name="alignTime"/>.</param>
    public SlidingWindow(IReadOnlyList<int> window, double overlap, int alignment = 1, bool alignTime = false)
    {
        if (window.Count is not (2 or 3) || window.Any(w => w < 1))
            throw new ArgumentException($"The window must be [H, W] or [T, H, W] of positive sizes; got [{string.Join("x", window)}].", nameof(window));
        if (!(overlap >= 0) || double.IsInfinity(overlap) || (overlap >= 1 && overlap != Math.Floor(overlap)))
            throw new ArgumentException($"The overlap must be a fraction of the window in [0, 1) or a whole number of pixels; got {overlap}.", nameof(overlap));
        if (alignment < 1) throw new ArgumentOutOfRangeException(nameof(alignment));
        Window = [.. window];
        Overlap = overlap;
        Alignment = alignment;
        AlignTime = alignTime;
    }

    public int[] Window { get; }
    public double Overlap { get; }
    public int Alignment { get; }
    public bool AlignTime { get; }

    /// <summary>
    /// The tile shape for frames of <paramref name="shape"/>: the window, cut down to the frame where
    /// the frame is smaller. A 2-value window over [T, H, W] frames leaves T whole.
    /// </summary>
    public int[] TileShape(IReadOnlyList<int> shape)
    {
        int[] window = Window.Length == 2 && shape.Count == 3 ? [shape[0], .. Window] : Window;
        if (shape.Count != window.Length)
            throw new ArgumentException(
                $"The window [{string.Join("x", Window)}] does not fit frames of [{string.Join("x", shape)}]; give [H, W] or, for sequences, [T, H, W].");
        return shape.Select((length, axis) => Math.Min(length, window[axis])).ToArray();
    }

    /// <summary>True when frames of <paramref name="shape"/> need more than one tile.</summary>
    public bool Tiles(IReadOnlyList<int> shape) => !TileShape(shape).SequenceEqual(shape);

    /// <summary>
    /// The distance between tile starts along an axis whose tile is <paramref name="tile"/> long:
    /// the tile less the overlap, rounded down to the alignment (never below it).
    /// </summary>
    public int Stride(int tile, int align)
    {
        int overlapPx = Overlap < 1 ? (int)Math.Round(Overlap * tile) : (int)Overlap;
        if (overlapPx >= tile)
            throw new ArgumentException($"An overlap of {overlapPx} px leaves no stride in a tile of {tile} px; use a smaller -Overlap (or evaluation.window_overlap).");
        return Math.Max(align, (tile - overlapPx) / align * align);
    }

    /// <summary>
    /// Tile starts along an axis: every stride from 0, and a last tile flush with the end, so a
    /// length that is not a multiple of the stride is covered without padding.
    /// </summary>
    public static int[] Starts(int length, int tile, int stride)
    {
        if (tile >= length) return [0];
        var starts = new List<int>();
        for (int s = 0; s + tile < length; s += stride) starts.Add(s);
        starts.Add(length - tile);
        return [.. starts];
    }

    /// <summary>Gaussian importance of each position of a tile <paramref name="size"/> long (peak 1 at the centre).</summary>
    public static float[] Weights(int size)
    {
        double centre = (size - 1) / 2.0, sigma = size / 8.0;
        return Enumerable.Range(0, size).Select(i => (float)Math.Exp(-0.5 * Math.Pow((i - centre) / sigma, 2))).ToArray();
    }

    /// <summary>
    /// Predicts one frame (<paramref name="data"/> of <paramref name="shape"/>) through
    /// <paramref name="forward"/>, which maps <c>count</c> tiles of <c>tileShape</c> laid end to end
    /// to their outputs, each <paramref name="sizeRatio"/> times larger in H and W. At most
    /// <paramref name="batchSize"/> tiles go through at once.
    /// </summary>
    public float[] Predict(float[] data, int[] shape, int sizeRatio, int batchSize, Func<float[], int, int[], float[]> forward)
    {
        var tile = TileShape(shape);
        if (tile.Length == 2) return PredictVolume(data, [1, .. shape], [1, .. tile], sizeRatio, batchSize,
            (tiles, count, _) => forward(tiles, count, tile));
        return PredictVolume(data, shape, tile, sizeRatio, batchSize, forward);
    }

    private float[] PredictVolume(float[] data, int[] shape, int[] tile, int r, int batchSize, Func<float[], int, int[], float[]> forward)
    {
        int T = shape[0], H = shape[1], W = shape[2];
        int tt = tile[0], th = tile[1], tw = tile[2];
        int oh = th * r, ow = tw * r, OH = H * r, OW = W * r;
        var startsT = AxisStarts(T, tt, AlignTime ? Alignment : 1);
        var startsY = AxisStarts(H, th, Alignment);
        var startsX = AxisStarts(W, tw, Alignment);
        // An axis with a single tile needs no blending along it: a flat weight keeps frames that
        // are not tiled there exactly as the network gives them.
        var wt = startsT.Length == 1 ? Flat(tt) : Weights(tt);
        var wy = startsY.Length == 1 ? Flat(oh) : Weights(oh);
        var wx = startsX.Length == 1 ? Flat(ow) : Weights(ow);

        var corners = (from t in startsT from y in startsY from x in startsX select (t, y, x)).ToList();
        var sum = new double[T * OH * OW];
        var weight = new double[T * OH * OW];
        int tileSize = tt * th * tw, outSize = tt * oh * ow;
        for (int first = 0; first < corners.Count; first += batchSize)
        {
            int count = Math.Min(batchSize, corners.Count - first);
            var tiles = new float[count * tileSize];
            for (int k = 0; k < count; k++)
            {
                var (t0, y0, x0) = corners[first + k];
                for (int t = 0; t < tt; t++)
                    for (int y = 0; y < th; y++)
                        Array.Copy(data, ((t0 + t) * H + y0 + y) * W + x0, tiles, k * tileSize + (t * th + y) * tw, tw);
            }
            var outputs = forward(tiles, count, [tt, th, tw]);
            if (outputs.Length != count * outSize)
                throw new InvalidOperationException($"The network returned {outputs.Length} values for {count} tiles of {outSize}.");
            for (int k = 0; k < count; k++)
            {
                var (t0, y0, x0) = corners[first + k];
                for (int t = 0; t < tt; t++)
                    for (int y = 0; y < oh; y++)
                    {
                        double wty = (double)wt[t] * wy[y];
                        int source = k * outSize + (t * oh + y) * ow;
                        int target = ((t0 + t) * OH + y0 * r + y) * OW + x0 * r;
                        for (int x = 0; x < ow; x++)
                        {
                            double w = wty * wx[x];
                            sum[target + x] += w * outputs[source + x];
                            weight[target + x] += w;
                        }
                    }
            }
        }
        var result = new float[sum.Length];
        for (int i = 0; i < result.Length; i++) result[i] = (float)(sum[i] / weight[i]);
        return result;
    }

    // An axis the tile spans needs no stride, so an overlap in pixels wider than it is no error there.
    private int[] AxisStarts(int length, int tile, int align) => tile >= length ? [0] : Starts(length, tile, Stride(tile, align));

    private static float[] Flat(int size) => Enumerable.Repeat(1f, size).ToArray();
}
