using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Inference;
using DataPipeline.Engine.Models;
using DataPipeline.Engine.Simulation;
using Xunit;

namespace DataPipeline.Tests.Engine;

public sealed class SlidingWindowTests
{
    [Theory]
    [InlineData(100, 32, 24, new[] { 0, 24, 48, 68 })] // 100 is no multiple of 24: the last tile is flush with the edge
    [InlineData(96, 32, 32, new[] { 0, 32, 64 })]
    [InlineData(32, 32, 16, new[] { 0 })]
    [InlineData(20, 32, 16, new[] { 0 })]
    public void TileStartsCoverTheAxisAndEndFlushWithIt(int length, int tile, int stride, int[] expected)
    {
        var starts = SlidingWindow.Starts(length, tile, stride);
        Assert.Equal(expected, starts);
        var covered = new bool[length];
        foreach (int s in starts)
            for (int i = s; i < Math.Min(length, s + tile); i++) covered[i] = true;
        Assert.All(covered, Assert.True);
    }

    [Fact]
    public void StrideIsTheTileLessTheOverlapRoundedDownToThePoolingGrid()
    {
        Assert.Equal(24, new SlidingWindow([32, 32], 0.25, alignment: 8).Stride(32, 8));
        Assert.Equal(16, new SlidingWindow([32, 32], 0.25, alignment: 16).Stride(32, 16));
        Assert.Equal(22, new SlidingWindow([32, 32], 10).Stride(32, 1)); // 10 px overlap
        Assert.Equal(32, new SlidingWindow([32, 32], 0).Stride(32, 4));
        Assert.Equal(4, new SlidingWindow([32, 32], 31).Stride(32, 4)); // never below the grid
        Assert.Throws<ArgumentException>(() => new SlidingWindow([32, 32], 32).Stride(32, 1));
        Assert.Throws<ArgumentException>(() => new SlidingWindow([32, 32], 1.5));
        Assert.Throws<ArgumentException>(() => new SlidingWindow([32, 32], -0.1));
    }

    [Fact]
    public void GaussianWeightsPeakAtTheCentreAndAreSymmetric()
    {
        var w = SlidingWindow.Weights(32);
        Assert.Equal(w, w.Reverse());
        Assert.True(w[15] > 0.99f && w[0] < 0.001f && w[0] > 0, string.Join(", ", w));
        Assert.True(w.Take(16).Zip(w.Skip(1).Take(15)).All(p => p.First < p.Second));
    }

    [Fact]
    public void BlendingWeightsSumToOneEverywhere()
    {
        // Every tile predicts 1 everywhere: the blend is the sum of the normalised weights.
        var window = new SlidingWindow([16, 16], 0.5);
        var result = window.Predict(new float[40 * 52], [40, 52], sizeRatio: 2, batchSize: 3,
            (tiles, count, shape) => Enumerable.Repeat(1f, count * shape[0] * 2 * shape[1] * 2).ToArray());
        Assert.Equal(80 * 104, result.Length);
        Assert.All(result, v => Assert.Equal(1f, v, 1e-6f));
    }

    [Fact]
    public void APixelwiseNetworkIsReproducedExactlyAcrossSeamsIn2DWithSuperResolution()
    {
        // A "network" whose output at each output pixel is a function of the input pixel under it
        // (nearest up-sampling by r): any correct tiling gives exactly that function of the whole frame.
        const int r = 2;
        var frame = RandomData(37 * 45, seed: 1);
        var window = new SlidingWindow([16, 16], 0.25, alignment: 4);
        int calls = 0;
        var result = window.Predict(frame, [37, 45], r, batchSize: 4, (tiles, count, shape) =>
        {
            calls++;
            Assert.Equal([16, 16], shape);
            Assert.InRange(count, 1, 4);
            return Upsampled(tiles, count, 1, shape[0], shape[1], r, v => 3 * v + 1);
        });
        var expected = Upsampled(frame, 1, 1, 37, 45, r, v => 3 * v + 1);
        Assert.Equal(expected.Length, result.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], result[i], 1e-5f);
        // Stride 12 on a 16-px tile: starts 0, 12, 21 on H and 0, 12, 24, 29 on W: 12 tiles in batches of 4.
        Assert.Equal(3, calls);
    }

    [Fact]
    public void SequencesAreTiledInTimeOnlyWhenTheyExceedTheWindow()
    {
        var frame = RandomData(12 * 24 * 24, seed: 2);
        var shapes = new List<int[]>();
        float[] Forward(float[] tiles, int count, int[] shape)
        {
            shapes.Add(shape);
            return Upsampled(tiles, count, shape[0], shape[1], shape[2], 1, v => v * v);
        }
        var expected = Upsampled(frame, 1, 12, 24, 24, 1, v => v * v);

        var spatial = new SlidingWindow([16, 16], 0.5).Predict(frame, [12, 24, 24], 1, 8, Forward);
        Assert.All(shapes, s => Assert.Equal([12, 16, 16], s));
        Assert.Equal(expected, spatial);

        shapes.Clear();
        var temporal = new SlidingWindow([8, 16, 16], 0.5).Predict(frame, [12, 24, 24], 1, 8, Forward);
        Assert.All(shapes, s => Assert.Equal([8, 16, 16], s));
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], temporal[i], 1e-6f);
    }

    [Fact]
    public void OverlappingTilesBlendSmoothlyFromOneToTheNext()
    {
        // Tile k predicts the constant k: a pixel seen by one tile only keeps that tile's value, and
        // across an overlap the blend moves monotonically from one tile's value to the next.
        var window = new SlidingWindow([1, 16], 0.5);
        int next = 0;
        var result = window.Predict(new float[32], [1, 32], 1, batchSize: 1,
            (tiles, count, shape) => Enumerable.Repeat((float)next++, 16).ToArray());
        Assert.Equal(3, next); // starts 0, 8, 16
        Assert.Equal(0f, result[0], 1e-3f);
        Assert.Equal(2f, result[31], 1e-3f);
        for (int i = 1; i < 32; i++) Assert.True(result[i] >= result[i - 1] - 1e-6f, $"not monotonic at {i}: {result[i - 1]} -> {result[i]}");
        Assert.Equal(1f, result[15], 0.05f); // the middle tile's centre dominates there
    }

    [Fact]
    public void UNetPredictorTilesLargeFramesAndPassesWindowSizedFramesThroughUnchanged()
    {
        var config = ConfigLoader.LoadFile(SharedPaths.SmallConfig); // depth 2, 4 filters
        config.Model.BatchNorm = false;
        var model = UNetModel.Create(config, sizeRatio: 2);
        var small = Simulate(16, 3);
        var large = Simulate(48, 2);

        using var whole = new Predictor(model, "cpu", threads: 1);
        using var tiled = new Predictor(model, "cpu", threads: 1, window: [16, 16], overlap: 0.5, batchSize: 5);
        Assert.Null(whole.Window);

        // Window-sized frames: the same network call, the same numbers.
        var a = whole.Predict(small);
        var b = tiled.Predict(small);
        for (int i = 0; i < small.Count; i++) Assert.Equal(a[i].Prediction, b[i].Prediction);

        // Large frames: one map at the label's resolution, close to the whole-frame prediction of this
        // fully convolutional net, and far closer in the tiles' centres than the maps are to each other's frames.
        var fromTiles = tiled.Predict(large);
        var fromWhole = whole.Predict(large);
        Assert.Equal([96, 96], fromTiles[0].PredictionShape!);
        double seam = MeanAbs(fromTiles[0].Prediction!, fromWhole[0].Prediction!);
        double otherFrame = MeanAbs(fromWhole[0].Prediction!, fromWhole[1].Prediction!);
        Assert.True(seam < 0.25 * otherFrame, $"tiled vs whole {seam}, frame 0 vs frame 1 {otherFrame}");
        Assert.All(fromTiles[0].Prediction!, v => Assert.InRange(v, 0f, 1f));
    }

    [Fact]
    public void FramesThatDoNotFitTheNetworkAsTilesAreRejected()
    {
        var config = ConfigLoader.LoadFile(SharedPaths.SmallConfig);
        var model = UNetModel.Create(config, sizeRatio: 2);
        using var predictor = new Predictor(model, "cpu", threads: 1, window: [18, 18]);
        var e = Assert.Throws<ArgumentException>(() => predictor.Predict(Simulate(48, 1)));
        Assert.Contains("multiples of 4", e.Message);
    }

    private static List<Frame> Simulate(int size, int count) =>
        new ScattererSimulator(new SimulationSettings { Size = size, SizeRatio = 2, Seed = 11 }).Generate(0, count).ToList();

    private static double MeanAbs(float[] a, float[] b) => a.Zip(b).Average(p => Math.Abs(p.First - p.Second));

    private static float[] RandomData(int n, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)random.NextDouble()).ToArray();
    }

    /// <summary>f of each input value, up-sampled by r in H and W, for count volumes of [t, h, w].</summary>
    private static float[] Upsampled(float[] input, int count, int t, int h, int w, int r, Func<float, float> f)
    {
        var output = new float[count * t * h * r * w * r];
        for (int n = 0; n < count; n++)
            for (int k = 0; k < t; k++)
                for (int y = 0; y < h * r; y++)
                    for (int x = 0; x < w * r; x++)
                        output[((n * t + k) * h * r + y) * w * r + x] = f(input[((n * t + k) * h + y / r) * w + x / r]);
        return output;
    }
}
