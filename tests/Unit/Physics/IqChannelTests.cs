using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Inference;
using DataPipeline.Engine.Simulation;
using DataPipeline.Engine.Training;
using DataPipeline.Tests.Engine;
using Xunit;

namespace DataPipeline.Tests.Physics;

/// <summary>IQ frames as two channels: from the simulator through batching, augmentation and patches to the U-Net.</summary>
public sealed class IqChannelTests : IDisposable
{
    private readonly string _output = Directory.CreateTempSubdirectory("dp-iq-").FullName;

    public void Dispose() => Directory.Delete(_output, recursive: true);

    private static SimulationSettings Ultrasound(SimulationOutput output, int size = 32) => new()
    {
        Psf = PsfKind.Ultrasound, Output = output, Size = size, Scatterers = new(2, 6), Seed = 21,
        TissueScatterers = 300, TissueToBubbleDb = -10, SnrDb = 30,
    };

    private static List<Frame> Frames(SimulationOutput output, int count, int size = 32) =>
        new ScattererSimulator(Ultrasound(output, size)).Generate(0, count, threads: 1).ToList();

    [Fact]
    public void TheThreeOutputsAreOneSignal()
    {
        var iq = Frames(SimulationOutput.Iq, 1)[0];
        var envelope = Frames(SimulationOutput.Envelope, 1)[0];
        var bmode = Frames(SimulationOutput.BmodeDb, 1)[0];
        Assert.Equal(2, iq.Channels);
        Assert.Equal([32, 32], iq.Shape);
        Assert.Equal(2 * 32 * 32, iq.Data.Length);
        Assert.Equal(1, envelope.Channels);
        int n = 32 * 32;
        double max = envelope.Data.Max();
        for (int i = 0; i < n; i++)
        {
            double magnitude = Math.Sqrt(iq.Data[i] * (double)iq.Data[i] + iq.Data[n + i] * (double)iq.Data[n + i]);
            Assert.Equal(magnitude, envelope.Data[i], 1e-4 * (1 + magnitude));
            double db = Math.Max(-50, 20 * Math.Log10(envelope.Data[i] / max));
            Assert.Equal(db, bmode.Data[i], 1e-3);
        }
        Assert.Equal(0, bmode.Data.Max(), 5);
        Assert.True(bmode.Data.Min() >= -50);
        // The signal is complex: the imaginary channel carries as much energy as the real one, not zero.
        double reEnergy = iq.Data[..n].Sum(v => (double)v * v), imEnergy = iq.Data[n..].Sum(v => (double)v * v);
        Assert.InRange(reEnergy / imEnergy, 0.5, 2);
    }

    [Fact]
    public void BatchesAreNByChannelsAndAugmentationMovesBothChannelsTogether()
    {
        var frames = Frames(SimulationOutput.Iq, 12);
        using var generator = new BatchGenerator(frames, new BatchSettings { BatchSize = 4, ValidationFraction = 0, Seed = 2 },
            new AugmentSettings { Flip = true, Rot90 = true });
        Assert.Equal(2, generator.Channels);
        int n = 32 * 32, matched = 0;
        foreach (var batch in generator.GetBatches())
        {
            Assert.Equal([batch.Count, 2, 32, 32], batch.Shape);
            for (int i = 0; i < batch.Count; i++)
            {
                var frame = frames[batch.Indices[i]];
                var real = batch.Data.AsSpan(i * 2 * n, n).ToArray();
                var imaginary = batch.Data.AsSpan(i * 2 * n + n, n).ToArray();
                // Whatever flip or rotation was drawn, the one that maps channel 0 must map channel 1 too.
                var transform = Transforms().Single(t => Same(t(frame.Data.AsSpan(0, n).ToArray()), real));
                Assert.True(Same(transform(frame.Data.AsSpan(n, n).ToArray()), imaginary));
                matched++;
            }
        }
        Assert.Equal(12, matched);
    }

    [Fact]
    public void PatchesCutTheSameWindowFromEveryChannel()
    {
        var frames = Frames(SimulationOutput.Iq, 6);
        using var generator = new BatchGenerator(frames, new BatchSettings { BatchSize = 3, ValidationFraction = 0, PatchSize = 16, Seed = 5 });
        int n = 32 * 32, p = 16 * 16;
        foreach (var batch in generator.GetBatches())
        {
            Assert.Equal([batch.Count, 2, 16, 16], batch.Shape);
            Assert.Equal([batch.Count, 1, 32, 32], batch.LabelShape);
            for (int i = 0; i < batch.Count; i++)
            {
                var frame = frames[batch.Indices[i]];
                var real = batch.Data.AsSpan(i * 2 * p, p).ToArray();
                var (top, left) = Offsets().Single(o => Same(Window(frame.Data.AsSpan(0, n), o), real));
                Assert.True(Same(Window(frame.Data.AsSpan(n, n), (top, left)), batch.Data.AsSpan(i * 2 * p + p, p)));
            }
        }
    }

    [Fact]
    public void CombinedSourcesKeepTheirChannelsAndRefuseAMix()
    {
        var iq = new FrameList(Frames(SimulationOutput.Iq, 3));
        var combined = new CombinedFrameSource([iq, new FrameList(Frames(SimulationOutput.Iq, 2))]);
        Assert.Equal(2, combined.Channels);
        using var generator = new BatchGenerator(combined, new BatchSettings { BatchSize = 5, ValidationFraction = 0 });
        Assert.Equal([5, 2, 32, 32], generator.GetBatches().Single().Shape);
        var e = Assert.Throws<ArgumentException>(() => new CombinedFrameSource([iq, new FrameList(Frames(SimulationOutput.Envelope, 2))]));
        Assert.Contains("same channels", e.Message);
    }

    [Fact]
    public void AUNetWithTwoInputChannelsTrainsOnIqAndPredictsIt()
    {
        var config = TrainerTests.SmallConfig(epochs: 1);
        config.Model.InChannels = 2;
        var frames = Frames(SimulationOutput.Iq, 16);
        using var generator = new BatchGenerator(frames, config.Batch);
        var run = new Trainer(config).Run(generator, _output);
        Assert.True(run.Status == TrainingStatus.Completed, run.Message);
        Assert.True(double.IsFinite(run.History[0].Loss));

        var model = DataPipeline.Engine.Models.UNetModel.Load(run.BestCheckpoint!);
        using var predictor = new Predictor(model, "cpu", threads: 1);
        var predicted = predictor.Predict(frames.Take(2).ToList());
        Assert.Equal(frames[0].LabelShape, predicted[0].PredictionShape);

        config.Model.InChannels = 1;
        using var again = new BatchGenerator(frames, config.Batch);
        var e = Assert.Throws<ArgumentException>(() => new Trainer(config).Run(again, _output));
        Assert.Contains("in_channels = 2", e.Message);
    }

    private static bool Same(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => a.SequenceEqual(b);

    private static float[] Window(ReadOnlySpan<float> plane, (int Top, int Left) o)
    {
        var w = new float[16 * 16];
        for (int r = 0; r < 16; r++) plane.Slice((o.Top + r) * 32 + o.Left, 16).CopyTo(w.AsSpan(r * 16, 16));
        return w;
    }

    private static IEnumerable<(int, int)> Offsets()
    {
        for (int t = 0; t <= 16; t++)
            for (int l = 0; l <= 16; l++) yield return (t, l);
    }

    /// <summary>The 8 flips and quarter turns of a 32 x 32 plane.</summary>
    private static IEnumerable<Func<float[], float[]>> Transforms()
    {
        static float[] Map(float[] x, Func<int, int, (int, int)> from)
        {
            var y = new float[x.Length];
            for (int r = 0; r < 32; r++)
                for (int c = 0; c < 32; c++)
                {
                    var (sr, sc) = from(r, c);
                    y[r * 32 + c] = x[sr * 32 + sc];
                }
            return y;
        }
        yield return x => Map(x, (r, c) => (r, c));
        yield return x => Map(x, (r, c) => (31 - r, c));
        yield return x => Map(x, (r, c) => (r, 31 - c));
        yield return x => Map(x, (r, c) => (31 - r, 31 - c));
        yield return x => Map(x, (r, c) => (c, r));
        yield return x => Map(x, (r, c) => (31 - c, r));
        yield return x => Map(x, (r, c) => (c, 31 - r));
        yield return x => Map(x, (r, c) => (31 - c, 31 - r));
    }

    /// <summary>
    /// label = "tracks" with the ultrasound PSF: one [H·r, W·r] image of each bubble's path for the
    /// whole IQ sequence, the image TrackLabel draws from the true positions (bubbles kept well inside
    /// the field, so every step is among the positions).
    /// </summary>
    [Fact]
    public void UltrasoundSequencesCarryOneTrackLabelDrawnFromTheirPositions()
    {
        var settings = Ultrasound(SimulationOutput.Iq);
        settings.Frames = 5;
        settings.SizeRatio = 2;
        settings.Label = LabelKind.Tracks;
        settings.TrackSigmaPx = 0.5;
        settings.VelocityPx = new(0.5, 1.0);
        int checkedFrames = 0;
        foreach (var frame in new ScattererSimulator(settings).Generate(0, 12, threads: 1))
        {
            Assert.Equal(2, frame.Channels);
            Assert.Equal([5, 32, 32], frame.Shape);
            Assert.Equal([64, 64], frame.LabelShape!);
            Assert.True(frame.LabelsSequence);
            var byBubble = frame.Positions!.GroupBy(q => q.Scatterer).ToList();
            if (byBubble.Any(g => g.Count() != 5 || g.Any(q => q.Row < 3 || q.Row > 28 || q.Column < 3 || q.Column > 28))) continue;
            var expected = TrackLabel.Render(frame.Positions!, 32, 32, 2, 0.5 * 2);
            for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], frame.Label![i], 1e-5);
            Assert.True(frame.Label!.Max() > 0.5f);
            checkedFrames++;
        }
        Assert.True(checkedFrames > 0, "no sequence kept all its bubbles inside the field; change the seed");
    }
}
