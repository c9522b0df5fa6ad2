using System.Diagnostics;
using System.Text.Json;
using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Simulation;
using Xunit;

namespace DataPipeline.Tests.Engine;

/// <summary>
/// Track labels ([simulation] label = "tracks") through the simulator, Frame, the frame store,
/// batching and augmentation, checked against paths worked out from the true positions.
/// </summary>
public sealed class TrackLabelPipelineTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dp-tracks-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static SimulationSettings Tracks(Action<SimulationSettings>? change = null)
    {
        var s = new SimulationSettings
        {
            Size = 16, Frames = 4, SizeRatio = 2, Seed = 21, Label = LabelKind.Tracks,
            Scatterers = new IntRange(1, 3), VelocityPx = new DoubleRange(0.5, 1.5), NoiseStd = 0.01,
        };
        change?.Invoke(s);
        return s;
    }

    private static float At(Frame f, double labelRow, double labelColumn)
    {
        int w = f.LabelShape![^1];
        return f.Label![(int)Math.Round(labelRow) * w + (int)Math.Round(labelColumn)];
    }

    [Fact]
    public void ASequenceGetsOneTrackImageAtTheLabelResolution()
    {
        var frame = new ScattererSimulator(Tracks()).Render(0);
        Assert.Equal([4, 16, 16], frame.Shape);
        Assert.Equal([32, 32], frame.LabelShape!);
        Assert.True(frame.LabelsSequence);
        Assert.Equal(2, frame.SizeRatio);
        // Positions still carry every step, so tracking and localisation keep their truth.
        Assert.Contains(frame.Positions!, p => p.TimeStep == 0);
        Assert.All(frame.Positions!, p => Assert.InRange(p.TimeStep, 0, 3));
    }

    [Theory]
    [InlineData(270.0)] // right to left: the original's arctan drew it left to right, off the bubble
    [InlineData(0.0)]   // straight down the rows: the original's x_p = x_q special case
    [InlineData(180.0)] // straight up
    [InlineData(135.0)] // down and to the left
    public void EveryStepOfEveryPathIsOnTheTrackFromStepZero(double angle)
    {
        var settings = Tracks(s => { s.AngleDeg = new DoubleRange(angle, angle); s.VelocityPx = new DoubleRange(2, 2); s.Scatterers = new IntRange(1, 1); });
        var simulator = new ScattererSimulator(settings);
        int checkedFrames = 0;
        for (int index = 0; index < 40 && checkedFrames < 5; index++)
        {
            var frame = simulator.Render(index);
            var path = frame.Positions!.OrderBy(p => p.TimeStep).ToList();
            if (path.Count != 4) continue; // left the field of view: its end is drawn to the border
            checkedFrames++;
            (double Row, double Column) L(ScattererPosition p) => ((p.Row + 0.5) * 2 - 0.5, (p.Column + 0.5) * 2 - 0.5);
            var (r0, c0) = L(path[0]);
            var (r3, c3) = L(path[3]);
            // A label pixel centre on the path has the value 1 - d, d its distance to the line: check
            // step 0's nearest pixel, and a pixel half-way between steps 1 and 2.
            foreach (var (r, c) in new[] { (r0, c0), ((L(path[1]).Row + L(path[2]).Row) / 2, (L(path[1]).Column + L(path[2]).Column) / 2) })
            {
                int pr = (int)Math.Round(r), pc = (int)Math.Round(c);
                double d = DistanceToLine(pr, pc, (r0, c0), (r3, c3));
                Assert.Equal((float)(1 - d), At(frame, pr, pc), 5);
            }
            // Four label pixels (two data pixels) before step 0, against the motion, nothing is drawn.
            double length = Math.Sqrt((r3 - r0) * (r3 - r0) + (c3 - c0) * (c3 - c0));
            double br = r0 - 4 * (r3 - r0) / length, bc = c0 - 4 * (c3 - c0) / length;
            if (br >= 0 && br <= 31 && bc >= 0 && bc <= 31) Assert.Equal(0f, At(frame, br, bc));
        }
        Assert.True(checkedFrames >= 3, "too few paths stayed in the field of view to check");
    }

    private static double DistanceToLine(double r, double c, (double Row, double Column) a, (double Row, double Column) b)
    {
        double dr = b.Row - a.Row, dc = b.Column - a.Column;
        double t = Math.Clamp(((r - a.Row) * dr + (c - a.Column) * dc) / (dr * dr + dc * dc), 0, 1);
        return Math.Sqrt(Math.Pow(a.Row + t * dr - r, 2) + Math.Pow(a.Column + t * dc - c, 2));
    }

    [Fact]
    public void TrackSigmaBlursAcrossThePathInDataPixels()
    {
        // A path along row 8 (data), from column 2 to 11: sigma 0.5 data px is 1 label px at ratio 2.
        var settings = Tracks(s => { s.AngleDeg = new DoubleRange(90, 90); s.VelocityPx = new DoubleRange(3, 3); s.Scatterers = new IntRange(1, 1); s.TrackSigmaPx = 0.5; });
        var simulator = new ScattererSimulator(settings);
        var frame = Enumerable.Range(0, 40).Select(simulator.Render).First(f => f.Positions!.Count == 4 && f.Positions[0].Row > 2);
        var p0 = frame.Positions!.Single(p => p.TimeStep == 0);
        double row = (p0.Row + 0.5) * 2 - 0.5, column = (p0.Column + 0.5) * 2 - 0.5 + 6; // 3 data px along the path
        int pr = (int)Math.Floor(row), pc = (int)Math.Round(column);
        // The path is horizontal, so a pixel's distance to it is its row offset.
        Assert.Equal((float)Math.Exp(-Math.Pow(pr - row, 2) / 2), At(frame, pr, pc), 5);
        Assert.Equal((float)Math.Exp(-Math.Pow(pr - 2 - row, 2) / 2), At(frame, pr - 2, pc), 5);
    }

    [Fact]
    public void TheDataAndRandomDrawsDoNotDependOnTheLabelKind()
    {
        var tracks = new ScattererSimulator(Tracks()).Render(3);
        var positions = new ScattererSimulator(Tracks(s => s.Label = LabelKind.Positions)).Render(3);
        Assert.Equal(positions.Data, tracks.Data);
        Assert.Equal(positions.Positions, tracks.Positions);
        Assert.Equal([4, 32, 32], positions.LabelShape!);
    }

    [Fact]
    public void FrameAcceptsOneTwoDimensionalLabelForASequenceOnly()
    {
        var sequence = new Frame(new float[2 * 4 * 4], [2, 4, 4], new float[8 * 8], [8, 8], "s", 0);
        Assert.True(sequence.LabelsSequence);
        Assert.Equal(2, sequence.SizeRatio);
        var still = Assert.Throws<ArgumentException>(() => new Frame(new float[16], [4, 4], new float[2 * 64], [2, 8, 8], "s", 0));
        Assert.Contains("[H·r, W·r]", still.Message);
        Assert.Throws<ArgumentException>(() => new Frame(new float[2 * 16], [2, 4, 4], new float[8], [8], "s", 0));
    }

    [Fact]
    public void TheStoreWritesAndReadsTrackLabelsBackAndH5pyAgrees()
    {
        var frames = new ScattererSimulator(Tracks()).Generate(0, 40).ToList();
        string path = Path.Combine(_dir, "tracks.h5");
        using (var writer = FrameStoreWriter.Create(path))
        {
            foreach (var f in frames) writer.Add(f);
            writer.Commit();
        }
        using (var reader = FrameStoreReader.Open(path))
        {
            Assert.Equal([4, 16, 16], reader.Manifest.FrameShape);
            Assert.Equal([32, 32], reader.Manifest.LabelShape!);
            foreach (int i in new[] { 0, 17, 39 }) FrameStoreTests.AssertSameFrame(frames[i], reader.Read(i));
        }

        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(SharedPaths.RepositoryRoot, "tools", "frame_store_check.py"));
        start.ArgumentList.Add(path);
        using var python = Process.Start(start)!;
        string stdout = python.StandardOutput.ReadToEnd();
        string stderr = python.StandardError.ReadToEnd();
        python.WaitForExit();
        Assert.True(python.ExitCode == 0, $"frame_store_check.py failed ({python.ExitCode}):\n{stdout}\n{stderr}");
        using var summary = JsonDocument.Parse(stdout);
        Assert.Equal([40, 32, 32], summary.RootElement.GetProperty("label_shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(frames[^1].Label!.Max(), summary.RootElement.GetProperty("last_label_max").GetDouble(), 5);
    }

    [Fact]
    public void BatchesOfSequencesCarryOneLabelPlanePerSample()
    {
        var frames = new ScattererSimulator(Tracks()).Generate(0, 12).ToList();
        var generator = new BatchGenerator(frames, new BatchSettings { BatchSize = 4, ValidationFraction = 0, Shuffle = false });
        var batch = generator.GetBatches().First();
        Assert.Equal([4, 1, 4, 16, 16], batch.Shape);
        Assert.Equal([4, 1, 32, 32], batch.LabelShape);
        for (int i = 0; i < 4; i++) Assert.Equal(frames[batch.Indices[i]].Label, batch.Label.AsSpan(i * 1024, 1024).ToArray());
    }

    [Fact]
    public void PatchesCutTheTrackImageWithTheData()
    {
        var frames = new ScattererSimulator(Tracks()).Generate(0, 8).ToList();
        var generator = new BatchGenerator(frames, new BatchSettings { BatchSize = 8, ValidationFraction = 0, Shuffle = false, PatchSize = 8 });
        var batch = generator.GetBatches().First();
        Assert.Equal([8, 1, 4, 8, 8], batch.Shape);
        Assert.Equal([8, 1, 16, 16], batch.LabelShape);
        for (int i = 0; i < batch.Count; i++)
        {
            var frame = frames[batch.Indices[i]];
            // Find the patch's corner from the data of step 0, then compare the label window.
            var patch = batch.Data.AsSpan(i * 256, 64).ToArray();
            var (top, left) = Enumerable.Range(0, 9).SelectMany(t => Enumerable.Range(0, 9).Select(l => (t, l)))
                .First(o => Enumerable.Range(0, 64).All(k => frame.Data[(o.t + k / 8) * 16 + o.l + k % 8] == patch[k]));
            for (int k = 0; k < 256; k++)
                Assert.Equal(frame.Label![(top * 2 + k / 16) * 32 + left * 2 + k % 16], batch.Label[i * 256 + k]);
        }
    }

    /// <summary>Samples whose every scatterer stayed in view at every step: their track image is a function of the positions alone.</summary>
    private static bool WhollyInView(IReadOnlyList<ScattererPosition> positions, int steps) =>
        positions.GroupBy(p => p.Scatterer).All(g => g.Count() == steps);

    [Fact]
    public void FlipsAndQuarterTurnsMoveTheTrackImageWithThePositions()
    {
        var frames = new ScattererSimulator(Tracks()).Generate(0, 32).ToList();
        var generator = new BatchGenerator(frames, new BatchSettings { BatchSize = 32, ValidationFraction = 0, Seed = 5 },
            new AugmentSettings { Flip = true, Rot90 = true });
        var batch = generator.GetBatches().First();
        int compared = 0, moved = 0;
        for (int i = 0; i < batch.Count; i++)
        {
            var positions = batch.Positions[i]!;
            if (!WhollyInView(positions, 4)) continue;
            compared++;
            var label = batch.Label.AsSpan(i * 1024, 1024).ToArray();
            if (!label.SequenceEqual(frames[batch.Indices[i]].Label!)) moved++;
            var rendered = TrackLabel.Render(positions, 16, 16, 2, 0);
            for (int k = 0; k < rendered.Length; k++)
                Assert.True(Math.Abs(rendered[k] - label[k]) < 1e-5, $"sample {i}, pixel {k}: augmented {label[k]}, re-rendered {rendered[k]}");
        }
        Assert.True(compared >= 8 && moved >= 4, $"compared {compared}, moved {moved}");
    }

    [Fact]
    public void RotationsAndShiftsMoveTheTrackImageWithThePositions()
    {
        // Blurred tracks (sigma 0.5 data px, drawn out to 2 data px) resample smoothly; compare their centres of mass.
        var frames = new ScattererSimulator(Tracks(s => { s.TrackSigmaPx = 0.5; s.Scatterers = new IntRange(1, 1); })).Generate(0, 64).ToList();
        var generator = new BatchGenerator(frames, new BatchSettings { BatchSize = 64, ValidationFraction = 0, Seed = 6 },
            new AugmentSettings { RotationDeg = 30, ShiftPx = 2 });
        var batch = generator.GetBatches().First();
        int compared = 0;
        for (int i = 0; i < batch.Count; i++)
        {
            var positions = batch.Positions[i]!;
            // Away from the border before and after the move, where the resample repeats edge values.
            static bool Inside(ScattererPosition p) => p.Row is >= 2.5 and <= 12.5 && p.Column is >= 2.5 and <= 12.5;
            if (!WhollyInView(positions, 4) || !positions.All(Inside) || !frames[batch.Indices[i]].Positions!.All(Inside)) continue;
            compared++;
            var label = batch.Label.AsSpan(i * 1024, 1024).ToArray();
            var rendered = TrackLabel.Render(positions, 16, 16, 2, 1);
            var (ar, ac) = Centroid(label);
            var (er, ec) = Centroid(rendered);
            Assert.True(Math.Abs(ar - er) < 0.25 && Math.Abs(ac - ec) < 0.25, $"sample {i}: augmented centre ({ar:F2}, {ac:F2}), re-rendered ({er:F2}, {ec:F2})");
        }
        Assert.True(compared >= 3, $"only {compared} samples stayed inside");
    }

    private static (double Row, double Column) Centroid(float[] image)
    {
        double sum = 0, r = 0, c = 0;
        for (int k = 0; k < image.Length; k++)
        {
            sum += image[k];
            r += image[k] * (k / 32);
            c += image[k] * (k % 32);
        }
        return (r / sum, c / sum);
    }
}
