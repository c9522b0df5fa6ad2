using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Runtime;
using DataPipeline.Engine.Simulation;
using Xunit;

namespace DataPipeline.Tests.Engine;

/// <summary>Zoom, shear, elastic warp, fill modes, separate flips and intensity shift, against hand values.</summary>
public class AugmentGeometryTests
{
    private static float[] Run(float[] source, int[] shape, AugmentDraw draw, int ratio = 1, float fill = 0)
    {
        var output = new float[source.Length];
        Augmenter.Transform(source, shape, output, draw, ratio, fill);
        return output;
    }

    /// <summary>A 4x4 plane whose value is its column index: resampling it reads back the source column.</summary>
    private static float[] ColumnRamp(int h = 4, int w = 4) => Enumerable.Range(0, h * w).Select(i => (float)(i % w)).ToArray();

    private static float[] Rows(params float[][] rows) => rows.SelectMany(r => r).ToArray();

    [Fact]
    public void ZoomScalesAboutTheCentreUnderEachFillMode()
    {
        // Zoom 2: output u reads 2 + (u - 2) / 2, so columns 0..3 read source columns 0.75, 1.25, 1.75, 2.25.
        var zoomIn = Run(ColumnRamp(), [4, 4], AugmentDraw.Identity with { Zoom = 2 });
        Assert.Equal(Rows([0.75f, 1.25f, 1.75f, 2.25f], [0.75f, 1.25f, 1.75f, 2.25f], [0.75f, 1.25f, 1.75f, 2.25f], [0.75f, 1.25f, 1.75f, 2.25f]), zoomIn);
        // Zoom 1/2: output u reads 2 + 2 (u - 2): index -1.5, 0.5, 2.5, 4.5, the outer two outside the frame.
        var half = AugmentDraw.Identity with { Zoom = 0.5 };
        Assert.Equal(Rows([0f, 0.5f, 2.5f, 3], [0f, 0.5f, 2.5f, 3], [0f, 0.5f, 2.5f, 3], [0f, 0.5f, 2.5f, 3]), Run(ColumnRamp(), [4, 4], half));
        Assert.Equal(Rows([0.5f, 0.5f, 2.5f, 2.5f], [0.5f, 0.5f, 2.5f, 2.5f], [0.5f, 0.5f, 2.5f, 2.5f], [0.5f, 0.5f, 2.5f, 2.5f]),
            Run(ColumnRamp(), [4, 4], half with { Fill = FillMode.Reflect }));
        // Constant: rows 0 and 3 read rows -1.5 and 4.5, outside, so they are all fill.
        Assert.Equal(Rows([9f, 9, 9, 9], [9f, 0.5f, 2.5f, 9], [9f, 0.5f, 2.5f, 9], [9f, 9, 9, 9]),
            Run(ColumnRamp(), [4, 4], half with { Fill = FillMode.Constant }, fill: 9));
    }

    [Fact]
    public void ShearMovesEachRowSidewaysByTanTimesItsDistanceFromTheCentre()
    {
        // 45 degrees: row i reads source column j - (i + 0.5 - 2), i.e. rows shift by -1.5, -0.5, 0.5, 1.5.
        var sheared = Run(ColumnRamp(), [4, 4], AugmentDraw.Identity with { ShearDeg = 45 });
        var expected = Rows([1.5f, 2.5f, 3, 3], [0.5f, 1.5f, 2.5f, 3], [0f, 0.5f, 1.5f, 2.5f], [0f, 0, 0.5f, 1.5f]);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], sheared[i], 1e-5f);
    }

    [Fact]
    public void FillModesDecideWhatAShiftBringsIn()
    {
        var x = new float[] { 1, 2, 3, 4 };
        var shift = AugmentDraw.Identity with { ShiftColumn = 2 };
        Assert.Equal([1f, 1, 1, 2], Run(x, [1, 4], shift));
        Assert.Equal([2f, 1, 1, 2], Run(x, [1, 4], shift with { Fill = FillMode.Reflect }));
        Assert.Equal([-7f, -7, 1, 2], Run(x, [1, 4], shift with { Fill = FillMode.Constant }, fill: -7));
        // Labels (ratio 2, no fill given) get 0 outside the frame: no scatterer is there.
        Assert.Equal([0f, 0, 0, 0, 1, 2, 3, 4], Run([1, 2, 3, 4, 5, 6, 7, 8], [1, 8], shift with { Fill = FillMode.Constant }, ratio: 2));
        // The augmenter passes fill_value to the data and scales it with the data.
        var augmenter = new Augmenter(new AugmentSettings { ShiftPx = 2, FillMode = FillMode.Constant, FillValue = -7 });
        var output = new float[4];
        augmenter.ApplyData(x, [1, 4], output, shift with { Fill = FillMode.Constant, FillValue = -7, Scale = 2 }, new SeededRandom(1));
        Assert.Equal([-14f, -14, 2, 4], output);
    }

    [Fact]
    public void FlipHorizontalAndVerticalAreSeparateAndFlipIsBoth()
    {
        var random = new SeededRandom(5);
        var horizontal = new Augmenter(new AugmentSettings { FlipHorizontal = true });
        var vertical = new Augmenter(new AugmentSettings { FlipVertical = true });
        var draws = Enumerable.Range(0, 40).Select(_ => horizontal.Draw(random)).ToList();
        Assert.DoesNotContain(draws, d => d.FlipRows);
        Assert.Contains(draws, d => d.FlipColumns);
        Assert.Contains(draws, d => !d.FlipColumns);
        draws = Enumerable.Range(0, 40).Select(_ => vertical.Draw(random)).ToList();
        Assert.DoesNotContain(draws, d => d.FlipColumns);
        Assert.Contains(draws, d => d.FlipRows);
        Assert.Equal("flip horizontal", horizontal.ToString());
        // flip = both keeps its old draws: the same seed gives the same flips as flip_vertical + flip_horizontal.
        var both = new Augmenter(new AugmentSettings { Flip = true });
        var pair = new Augmenter(new AugmentSettings { FlipHorizontal = true, FlipVertical = true });
        var (a, b) = (new SeededRandom(8), new SeededRandom(8));
        for (int i = 0; i < 20; i++) Assert.Equal(both.Draw(a), pair.Draw(b));
        // A horizontal flip reverses columns only.
        Assert.Equal([3f, 2, 1, 6, 5, 4], Run([1, 2, 3, 4, 5, 6], [2, 3], AugmentDraw.Identity with { FlipColumns = true }));
    }

    [Fact]
    public void IntensityShiftAddsItsOffsetAfterScalingTheDataOnly()
    {
        var augmenter = new Augmenter(new AugmentSettings { IntensityScale = new(2, 2), IntensityShift = new(-0.5, 0.5) });
        var frame = new Frame([1, 2, 3, 4], [2, 2], [0, 1, 0, 0], [2, 2], "hand", 0);
        var draw = augmenter.Draw(new SeededRandom(3));
        Assert.InRange(draw.Offset, -0.5, 0.5);
        Assert.NotEqual(0, draw.Offset);
        var shifted = augmenter.Apply(frame, draw, new SeededRandom(3));
        Assert.Equal(new[] { 1f, 2, 3, 4 }.Select(v => 2 * v + (float)draw.Offset), shifted.Data);
        Assert.Equal(frame.Label, shifted.Label);
        Assert.Throws<ArgumentException>(() => new Augmenter(new AugmentSettings { IntensityShift = new(1, 0) }));
        Assert.Throws<ArgumentException>(() => new Augmenter(new AugmentSettings { Zoom = new(0, 2) }));
    }

    [Fact]
    public void ElasticFieldHasTheRequestedSpreadAndIsSmooth()
    {
        var field = ElasticField.Draw(96, 96, alpha: 1.5, sigma: 4, new SeededRandom(12));
        double squares = 0, products = 0, neighbours = 0;
        int n = 0;
        for (int i = 0; i < 96; i++)
        for (int j = 0; j < 95; j++)
        {
            var (r, _) = field.At(i + 0.5, j + 0.5);
            var (next, _) = field.At(i + 0.5, j + 1.5);
            squares += r * r;
            neighbours += next * next;
            products += r * next;
            n++;
        }
        // Unit noise smoothed by a normalised kernel has std sum(k^2); the field divides it out.
        Assert.InRange(Math.Sqrt(squares / n), 1.5 * 0.75, 1.5 * 1.25);
        // Neighbours 1 px apart under sigma 4 correlate as exp(-1 / (4 sigma^2)) = 0.98.
        Assert.InRange(products / Math.Sqrt(squares * neighbours), 0.95, 1.0);
    }

    [Fact]
    public void ElasticWarpSamplesEachPixelAtItsDisplacedPoint()
    {
        var field = ElasticField.Draw(16, 16, alpha: 0.8, sigma: 3, new SeededRandom(2));
        var output = Run(ColumnRamp(16, 16), [16, 16], AugmentDraw.Identity with { Elastic = field });
        for (int i = 0; i < 16; i++)
        for (int j = 0; j < 16; j++)
        {
            var (_, dc) = field.At(i + 0.5, j + 0.5);
            double x = j + dc;
            if (x < 0 || x > 15) continue;
            Assert.Equal(x, output[i * 16 + j], 1e-4);
        }
    }

    /// <summary>
    /// The label re-rendered from the moved positions agrees with the moved label: every kept position
    /// sits on a label peak, and every label peak inside the frame has a kept position on it, so a
    /// position dropped or kept wrongly, or a mirrored scatterer without its position, fails.
    /// </summary>
    [Theory]
    [InlineData(FillMode.Constant)]
    [InlineData(FillMode.Reflect)]
    public void MovedPositionsReRenderTheMovedLabel(FillMode fill)
    {
        var augmenter = new Augmenter(new AugmentSettings
        {
            Flip = true, RotationDeg = 30, ShiftPx = 4, Zoom = new(0.8, 1.25), ShearDeg = 10, ElasticAlphaPx = 0.4, ElasticSigmaPx = 4,
            FillMode = fill,
        });
        var random = new SeededRandom(31);
        int dropped = 0, mirrored = 0;
        for (int trial = 0; trial < 30; trial++)
        {
            var frame = ScatterFrame(random, 24, 5);
            var draw = augmenter.Draw(random, frame.Shape);
            var moved = augmenter.Apply(frame, draw, random);
            var positions = moved.Positions!;
            foreach (var p in positions)
            {
                Assert.InRange(p.Row, -0.5, 23.5);
                Assert.InRange(p.Column, -0.5, 23.5);
            }
            if (fill == FillMode.Constant) dropped += frame.Positions!.Count - positions.Count;
            else mirrored += Math.Max(positions.Count - frame.Positions!.Count, 0);
            var rerendered = new float[48 * 48];
            foreach (var p in positions)
                GaussianSplat.Draw(rerendered, 0, 48, 48, (p.Row + 0.5) * 2 - 0.5, (p.Column + 0.5) * 2 - 0.5, 2.0, 1.0, PsfCombine.Max);
            AssertSamePeaks(moved.Label!, rerendered, 48, positions, 2);
        }
        // The draws must have exercised what the test is about.
        if (fill == FillMode.Constant) Assert.True(dropped > 0, "no position left the frame");
        else Assert.True(mirrored > 0, "no mirrored scatterer came into the frame");
    }

    [Fact]
    public void GeneratorBatchesCarryPositionsThatReRenderTheirLabels()
    {
        var random = new SeededRandom(17);
        var frames = Enumerable.Range(0, 8).Select(_ => ScatterFrame(random, 24, 4)).ToList();
        var generator = new BatchGenerator(frames, new BatchSettings { BatchSize = 4, ValidationFraction = 0, Seed = 5 },
            new AugmentSettings { FlipVertical = true, Zoom = new(0.8, 1.2), ShearDeg = 8, ElasticAlphaPx = 0.3, ShiftPx = 3, FillMode = FillMode.Reflect, IntensityShift = new(1, 1) });
        foreach (var batch in generator.GetBatches())
            for (int i = 0; i < batch.Count; i++)
            {
                var label = batch.Label.AsSpan(i * 48 * 48, 48 * 48).ToArray();
                var rerendered = new float[48 * 48];
                foreach (var p in batch.Positions[i]!)
                    GaussianSplat.Draw(rerendered, 0, 48, 48, (p.Row + 0.5) * 2 - 0.5, (p.Column + 0.5) * 2 - 0.5, 2.0, 1.0, PsfCombine.Max);
                AssertSamePeaks(label, rerendered, 48, batch.Positions[i]!, 2);
                // The data moved with them (its blobs, shifted up by the offset 1, peak near 2).
                foreach (var p in batch.Positions[i]!)
                    Assert.True(batch.Data[i * 576 + (int)Math.Round(p.Row) * 24 + (int)Math.Round(p.Column)] > 1.5f);
            }
    }

    [Fact]
    public void NearestFillDropsPositionsMovedOutOfTheFrame()
    {
        var frame = new Frame(new float[64], [8, 8], new float[64], [8, 8], "hand", 0,
            [new ScattererPosition(0, 0, 1, 6.8, true), new ScattererPosition(0, 1, 3, 2, true)]);
        var moved = new Augmenter(new AugmentSettings()).Apply(frame, AugmentDraw.Identity with { ShiftColumn = 0.8 }, new SeededRandom(1));
        // 6.8 + 0.8 = 7.6 is past the last pixel's edge at 7.5; 2 + 0.8 stays.
        var kept = Assert.Single(moved.Positions!);
        Assert.Equal(1, kept.Scatterer);
        Assert.Equal(2.8, kept.Column, 1e-12);
    }

    /// <summary>A frame of <paramref name="count"/> scatterers anywhere in it, data at ratio 1 and label at ratio 2.</summary>
    internal static Frame ScatterFrame(SeededRandom random, int size, int count)
    {
        var data = new float[size * size];
        var label = new float[4 * size * size];
        var positions = new List<ScattererPosition>();
        for (int k = 0; k < count; k++)
        {
            double row = random.NextDouble(-0.4, size - 0.6), column = random.NextDouble(-0.4, size - 0.6);
            positions.Add(new ScattererPosition(0, k, row, column, true));
            GaussianSplat.Draw(data, 0, size, size, row, column, 1.0, 1.0, PsfCombine.Max);
            GaussianSplat.Draw(label, 0, 2 * size, 2 * size, (row + 0.5) * 2 - 0.5, (column + 0.5) * 2 - 0.5, 2.0, 1.0, PsfCombine.Max);
        }
        return new Frame(data, [size, size], label, [2 * size, 2 * size], "scatter", 0, positions);
    }

    /// <summary>
    /// The moved label against the one re-rendered from the moved positions: wherever the moved label
    /// peaks (above 0.5, off the 1-pixel border, where a cut blob can fake a peak) the re-rendered one
    /// has a blob too, and around every position (the label pixels next to it) the moved label is high.
    /// </summary>
    internal static void AssertSamePeaks(float[] moved, float[] rerendered, int w, IReadOnlyList<ScattererPosition> positions, int ratio)
    {
        foreach (var (i, j) in Peaks(moved, w))
            Assert.True(rerendered[i * w + j] >= 0.5f, $"label peak at ({i}, {j}) has no position ({rerendered[i * w + j]} re-rendered there)");
        int h = moved.Length / w;
        foreach (var p in positions)
        {
            int i = Math.Clamp((int)Math.Round((p.Row + 0.5) * ratio - 0.5), 0, h - 1);
            int j = Math.Clamp((int)Math.Round((p.Column + 0.5) * ratio - 0.5), 0, w - 1);
            // The 3x3 pixels around it: at the frame's edge under constant fill the nearest pixel can fall just outside the blob's cut.
            float near = 0;
            for (int a = Math.Max(i - 1, 0); a <= Math.Min(i + 1, h - 1); a++)
            for (int b = Math.Max(j - 1, 0); b <= Math.Min(j + 1, w - 1); b++) near = Math.Max(near, moved[a * w + b]);
            Assert.True(near >= 0.6f, $"position ({p.Row:F2}, {p.Column:F2}) has no label under it ({near})");
        }
    }

    private static List<(int, int)> Peaks(float[] plane, int w, float threshold = 0.5f)
    {
        int h = plane.Length / w;
        var peaks = new List<(int, int)>();
        for (int i = 1; i < h - 1; i++)
        for (int j = 1; j < w - 1; j++)
        {
            float v = plane[i * w + j];
            if (v < threshold) continue;
            bool top = true;
            for (int di = -1; di <= 1 && top; di++)
            for (int dj = -1; dj <= 1; dj++)
                if (plane[(i + di) * w + j + dj] > v) { top = false; break; }
            if (top) peaks.Add((i, j));
        }
        return peaks;
    }
}
