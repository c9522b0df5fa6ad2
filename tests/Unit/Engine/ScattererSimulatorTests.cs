using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Simulation;
using Xunit;

namespace DataPipeline.Tests.Engine;

public class ScattererSimulatorTests
{
    private static SimulationSettings Settings(Action<SimulationSettings>? change = null)
    {
        var s = new SimulationSettings { Size = 32, SizeRatio = 2, Seed = 11 };
        change?.Invoke(s);
        return s;
    }

    [Fact]
    public void FrameIDependsOnlyOnSeedAndIndex()
    {
        var simulator = new ScattererSimulator(Settings());
        var all = simulator.Generate(0, 40).ToList();
        var tail = simulator.Generate(30, 5).ToList();
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(30 + i, tail[i].Index);
            Assert.Equal(all[30 + i].Data, tail[i].Data);
            Assert.Equal(all[30 + i].Label, tail[i].Label);
        }
        Assert.Equal(all[7].Data, simulator.Render(7).Data);
        Assert.NotEqual(all[7].Data, all[8].Data);
        var otherSeed = new ScattererSimulator(Settings(s => s.Seed = 12)).Render(7);
        Assert.NotEqual(all[7].Data, otherSeed.Data);
    }

    [Fact]
    public void ShapesFollowSizeRatioAndTimeSteps()
    {
        var still = new ScattererSimulator(Settings()).Render(0);
        Assert.Equal([32, 32], still.Shape);
        Assert.Equal([64, 64], still.LabelShape!);
        var moving = new ScattererSimulator(Settings(s => s.Frames = 3)).Render(0);
        Assert.Equal([3, 32, 32], moving.Shape);
        Assert.Equal([3, 64, 64], moving.LabelShape!);
    }

    [Fact]
    public void ScattererCountsStayInTheConfiguredRangeAndCoverIt()
    {
        var simulator = new ScattererSimulator(Settings(s => s.Scatterers = new IntRange(2, 4)));
        var counts = simulator.Generate(0, 200).Select(f => f.Positions!.Select(p => p.Scatterer).Distinct().Count()).ToList();
        // Scatterers start inside the frame and static frames never leave it, so each is listed once.
        Assert.All(counts, c => Assert.InRange(c, 2, 4));
        Assert.Equal([2, 3, 4], counts.Distinct().Order());
    }

    [Fact]
    public void PsfHasTheConfiguredWidthInDataAndLabel()
    {
        const double sigma = 2.5;
        var simulator = new ScattererSimulator(Settings(s =>
        {
            s.Size = 64; s.Scatterers = new IntRange(1, 1); s.NoiseStd = 0; s.RemovalProbability = 0; s.PsfSigmaPx = sigma;
        }));
        var frame = simulator.Render(3);
        var p = frame.Positions!.Single();
        // FWHM of a Gaussian is 2·sqrt(2·ln 2)·sigma ≈ 2.3548·sigma.
        Assert.Equal(2.3548 * sigma, MeasuredFwhm(frame.Data, 64, p.Row, p.Column), 1);
        // The label is twice as fine and its sigma half the data's (in data px): the same width in label px.
        Assert.Equal(2.3548 * sigma, MeasuredFwhm(frame.Label!, 128, (p.Row + 0.5) * 2 - 0.5, (p.Column + 0.5) * 2 - 0.5), 1);
        // The peak is sampled off-centre by at most half a label pixel.
        Assert.InRange(frame.Label!.Max(), 0.95f, 1f);
    }

    /// <summary>Counts the pixels of the row through the peak that are above half the peak.</summary>
    private static double MeasuredFwhm(float[] image, int width, double row, double column)
    {
        int r = (int)Math.Round(row);
        // Interpolate the half-maximum crossings on both sides of the peak along the row.
        var line = Enumerable.Range(0, width).Select(c => (double)image[r * width + c]).ToArray();
        int peak = Array.IndexOf(line, line.Max());
        double half = line[peak] / 2;
        double Crossing(int step)
        {
            int c = peak;
            while (line[c + step] > half) c += step;
            double t = (line[c] - half) / (line[c] - line[c + step]);
            return c + step * t;
        }
        return Crossing(1) - Crossing(-1);
    }

    [Fact]
    public void NoiseHasTheConfiguredStandardDeviationAndSparesTheLabel()
    {
        var simulator = new ScattererSimulator(Settings(s => { s.Size = 128; s.Scatterers = new IntRange(0, 0); s.NoiseStd = 0.05; }));
        var frame = simulator.Render(0);
        double mean = frame.Data.Average(v => (double)v);
        double std = Math.Sqrt(frame.Data.Average(v => (v - mean) * (v - mean)));
        Assert.Equal(0.05, std, 0.002);
        Assert.Equal(0.0, mean, 0.002);
        Assert.All(frame.Label!, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void RemovedScatterersStayInTheLabelButLeaveTheData()
    {
        var simulator = new ScattererSimulator(Settings(s =>
        {
            s.Scatterers = new IntRange(1, 1); s.NoiseStd = 0; s.RemovalProbability = 0.999999;
        }));
        var frame = simulator.Render(0);
        Assert.False(frame.Positions!.Single().InData);
        Assert.All(frame.Data, v => Assert.Equal(0f, v));
        Assert.InRange(frame.Label!.Max(), 0.95f, 1f);
    }

    [Fact]
    public void MovingScatterersAdvanceByTheirVelocity()
    {
        var simulator = new ScattererSimulator(Settings(s =>
        {
            s.Size = 256; s.Frames = 4; s.Scatterers = new IntRange(3, 3); s.VelocityPx = new DoubleRange(2, 2); s.AngleDeg = new DoubleRange(30, 30);
        }));
        var positions = simulator.Render(5).Positions!;
        foreach (var track in positions.GroupBy(p => p.Scatterer))
        {
            var steps = track.OrderBy(p => p.TimeStep).ToList();
            for (int i = 1; i < steps.Count; i++)
            {
                Assert.Equal(2 * Math.Cos(Math.PI / 6), steps[i].Row - steps[i - 1].Row, 9);
                Assert.Equal(2 * Math.Sin(Math.PI / 6), steps[i].Column - steps[i - 1].Column, 9);
            }
        }
    }

    [Fact]
    public void ImpossibleSettingsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => new ScattererSimulator(Settings(s => s.Scatterers = new IntRange(5, 2))));
        Assert.Throws<ArgumentException>(() => new ScattererSimulator(Settings(s => { s.Size = 4096; s.SizeRatio = 16; s.Frames = 100; })));
    }

    [Fact]
    public void SnrInDecibelsIsTheRatioOfSignalRmsToNoiseStd()
    {
        foreach (double snr in new[] { 0.0, 10.0, 25.0 })
        {
            var noisy = new ScattererSimulator(Settings(s => { s.Size = 64; s.Scatterers = new IntRange(3, 6); s.SnrDb = snr; }));
            var clean = new ScattererSimulator(Settings(s => { s.Size = 64; s.Scatterers = new IntRange(3, 6); s.NoiseStd = 0; }));
            for (int i = 0; i < 10; i++)
            {
                // Noise is drawn after the scatterers, so the clean frame of the same (seed, i) is the signal.
                float[] signal = clean.Render(i).Data, data = noisy.Render(i).Data;
                double signalRms = Math.Sqrt(signal.Average(v => (double)v * v));
                double noiseRms = Math.Sqrt(data.Zip(signal, (d, c) => (double)(d - c) * (d - c)).Average());
                Assert.Equal(snr, 20 * Math.Log10(signalRms / noiseRms), 0.3);
            }
        }
    }

    [Fact]
    public void AmplitudesSpanTheConfiguredRangeWhileLabelsPeakAtOne()
    {
        var simulator = new ScattererSimulator(Settings(s =>
        {
            s.Size = 64; s.Scatterers = new IntRange(1, 1); s.NoiseStd = 0; s.RemovalProbability = 0;
            s.Amplitude = new DoubleRange(0.5, 2.0); s.PsfSigmaPx = 3;
        }));
        var peaks = simulator.Generate(0, 60).Select(f => (Data: f.Data.Max(), Label: f.Label!.Max())).ToList();
        // A sub-pixel centre samples the peak at most half a pixel off on each axis: exp(-0.25/9) >= 0.97.
        Assert.All(peaks, p => Assert.InRange(p.Data, 0.5f * 0.97f, 2.0f));
        Assert.True(peaks.Min(p => p.Data) < 0.8f && peaks.Max(p => p.Data) > 1.7f, "amplitudes do not cover [0.5, 2]");
        Assert.All(peaks, p => Assert.InRange(p.Label, 0.95f, 1f));
    }

    [Fact]
    public void SumAddsOverlappingBlobsAndMaxKeepsThePeak()
    {
        var max = new float[15 * 15];
        var sum = new float[15 * 15];
        for (int k = 0; k < 2; k++)
        {
            GaussianSplat.Draw(max, 0, 15, 15, 7, 7, 2, 1, PsfCombine.Max);
            GaussianSplat.Draw(sum, 0, 15, 15, 7, 7, 2, 1, PsfCombine.Sum);
        }
        Assert.Equal(1f, max[7 * 15 + 7]);
        Assert.Equal(2f, sum[7 * 15 + 7]);
    }

    [Fact]
    public void ThreadCountDoesNotChangeTheFrames()
    {
        var simulator = new ScattererSimulator(Settings(s => s.Frames = 2));
        var one = simulator.Generate(3, 20, threads: 1).ToList();
        var many = simulator.Generate(3, 20, threads: 3).ToList();
        Assert.Equal(one.Select(f => f.Data), many.Select(f => f.Data));
        Assert.Equal(one.SelectMany(f => f.Positions!), many.SelectMany(f => f.Positions!));
    }

    [Fact]
    public void TheOriginalSettingsGiveFramesWithTheirStatistics()
    {
        var settings = ConfigLoader.LoadFile(Path.Combine(SharedPaths.RepositoryRoot, "examples", "original-synthetic.toml")).Simulation;
        var frames = new ScattererSimulator(settings).Generate(0, 400).ToList();
        Assert.All(frames, f => Assert.Equal([3, 64, 64], f.Shape));

        // Scatterer counts: uniform integers in [1, 5], so every value occurs and the mean is 3.
        var counts = frames.Select(f => f.Positions!.Where(p => p.TimeStep == 0).Select(p => p.Scatterer).Distinct().Count()).ToList();
        Assert.Equal([1, 2, 3, 4, 5], counts.Distinct().Order());
        Assert.Equal(3.0, counts.Average(), 0.2);

        // Removal: 5 % of in-frame (scatterer, time step) pairs are missing from the data.
        var positions = frames.SelectMany(f => f.Positions!).ToList();
        Assert.Equal(0.05, positions.Count(p => !p.InData) / (double)positions.Count, 0.015);

        // Speeds between consecutive steps stay in [3, 8] px per frame.
        foreach (var track in frames.Take(50).SelectMany(f => f.Positions!.GroupBy(p => p.Scatterer)))
        {
            var steps = track.OrderBy(p => p.TimeStep).ToList();
            for (int i = 1; i < steps.Count; i++)
            {
                if (steps[i].TimeStep != steps[i - 1].TimeStep + 1) continue;
                double speed = Math.Sqrt(Math.Pow(steps[i].Row - steps[i - 1].Row, 2) + Math.Pow(steps[i].Column - steps[i - 1].Column, 2));
                Assert.InRange(speed, 3 - 1e-9, 8 + 1e-9);
            }
        }

        // Noise: the data minus the same frame rendered without noise has std 0.03.
        settings.NoiseStd = 0;
        var clean = new ScattererSimulator(settings);
        double noise = Math.Sqrt(Enumerable.Range(0, 20)
            .SelectMany(i => frames[i].Data.Zip(clean.Render(i).Data, (d, c) => (double)(d - c) * (d - c))).Average());
        Assert.Equal(0.03, noise, 0.001);

        // PSF: FWHM = 2.3548 * 3.1 = 7.3 px in the data and 2.3548 * 1.55 * 2 = 7.3 label px.
        settings.Scatterers = new IntRange(1, 1);
        settings.RemovalProbability = 0;
        settings.Frames = 1;
        var single = new ScattererSimulator(settings);
        var frame = Enumerable.Range(0, 50).Select(single.Render)
            .First(f => f.Positions!.Single() is var p && p.Row is > 10 and < 53 && p.Column is > 10 and < 53);
        var at = frame.Positions!.Single();
        Assert.Equal(7.3, MeasuredFwhm(frame.Data, 64, at.Row, at.Column), 0.3);
        Assert.Equal(7.3, MeasuredFwhm(frame.Label!, 128, (at.Row + 0.5) * 2 - 0.5, (at.Column + 0.5) * 2 - 0.5), 0.3);
    }
}
