using DataPipeline.Engine.Clutter;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Simulation;
using Xunit;
using Xunit.Abstractions;

namespace DataPipeline.Tests.Physics;

public class SvdClutterFilterTests(ITestOutputHelper output)
{
    private const int Steps = 32, Size = 64;

    private static SimulationSettings Sequence(int tissue, double tissueDb = 30, int seed = 9, double tissueVelocity = 0.02) => new()
    {
        Psf = PsfKind.Ultrasound, Output = SimulationOutput.Iq, Size = Size, Frames = Steps, SizeRatio = 1,
        Scatterers = new(15, 15), VelocityPx = new(1, 3), RemovalProbability = 0, NoiseStd = 0,
        TissueScatterers = tissue, TissueToBubbleDb = tissueDb, TissueVelocityPx = tissueVelocity, Seed = seed,
    };

    private static (double[] Re, double[] Im) Iq(Frame frame)
    {
        int n = frame.Data.Length / 2;
        return (frame.Data[..n].Select(v => (double)v).ToArray(), frame.Data[n..].Select(v => (double)v).ToArray());
    }

    private static double Energy((double[] Re, double[] Im) x) => x.Re.Sum(v => v * v) + x.Im.Sum(v => v * v);

    private static (double[] Re, double[] Im) Copy((double[] Re, double[] Im) x) => ((double[])x.Re.Clone(), (double[])x.Im.Clone());

    private static (double[] Re, double[] Im) Minus((double[] Re, double[] Im) a, (double[] Re, double[] Im) b) =>
        (a.Re.Zip(b.Re, (x, y) => x - y).ToArray(), a.Im.Zip(b.Im, (x, y) => x - y).ToArray());

    /// <summary>
    /// Bubbles (15, at 1-3 px per step) in tissue 30 dB above them, moving 0.02 px per step. The filtered
    /// sequence is P·(bubbles + tissue) = P·bubbles + P·tissue for the projection P fitted on the sum, so the
    /// ratio is measured on each part through the same P; the tissue is the full sequence minus the same
    /// bubbles rendered alone (the simulator draws tissue after the bubbles, so they are identical).
    /// </summary>
    [Fact]
    public void RemovingTheTissueComponentsRaisesTheBubbleToTissueRatioByOver20Db()
    {
        var full = Iq(new ScattererSimulator(Sequence(8000)).Render(0));
        var bubbles = Iq(new ScattererSimulator(Sequence(0)).Render(0));
        var tissue = Minus(full, bubbles);
        double before = 10 * Math.Log10(Energy(bubbles) / Energy(tissue));

        var filter = SvdClutterFilter.Fit(full.Re, full.Im, [Steps, Size, Size], 4, Steps);
        var (b, t) = (Copy(bubbles), Copy(tissue));
        filter.Project(b.Re, b.Im);
        filter.Project(t.Re, t.Im);
        double after = 10 * Math.Log10(Energy(b) / Energy(t));
        output.WriteLine($"bubble-to-tissue {before:F1} dB -> {after:F1} dB; bubble energy kept {Energy(b) / Energy(bubbles):P1}");
        Assert.True(after - before >= 20, $"gain {after - before:F1} dB");
        Assert.True(Energy(b) / Energy(bubbles) > 0.9, "the filter should keep most of the bubbles' energy");

        // Keeping only the first three components (the tissue) must not help: the gain comes from the cutoff.
        var wrong = SvdClutterFilter.Fit(full.Re, full.Im, [Steps, Size, Size], 1, 3);
        var (wb, wt) = (Copy(bubbles), Copy(tissue));
        wrong.Project(wb.Re, wb.Im);
        wrong.Project(wt.Re, wt.Im);
        Assert.True(10 * Math.Log10(Energy(wb) / Energy(wt)) - before < 3);
    }

    /// <summary>
    /// Issue 15's criterion with ONE setting: "auto" on tissue + bubbles gains >= 20 dB (measured through the
    /// same projection on each part, as above), for tissue 20 to 40 dB above the bubbles, tissue moving 0.02 to
    /// 0.2 px per step, and other seeds, and removes some components; the same setting on the bubbles alone is
    /// the next test. (At 0.5 px per step, as fast as the slowest bubbles, it still gains 45 dB but keeps only
    /// 57 % of the bubbles' energy: tissue and flow share components; docs/simulation.md states that limit.)
    /// </summary>
    [Theory]
    [InlineData(30, 9, 0.02)]
    [InlineData(20, 4, 0.02)]
    [InlineData(40, 17, 0.02)]
    [InlineData(30, 5, 0.05)]
    [InlineData(30, 6, 0.2)]
    public void TheAutoCutoffRaisesTheBubbleToTissueRatioByOver20Db(double tissueDb, int seed, double tissueVelocity)
    {
        var full = Iq(new ScattererSimulator(Sequence(8000, tissueDb, seed, tissueVelocity)).Render(0));
        var bubbles = Iq(new ScattererSimulator(Sequence(0, tissueDb, seed, tissueVelocity)).Render(0));
        var tissue = Minus(full, bubbles);
        double before = 10 * Math.Log10(Energy(bubbles) / Energy(tissue));

        var filter = SvdClutterFilter.Fit(full.Re, full.Im, [Steps, Size, Size], SvdCutoff.Auto);
        var (b, t) = (Copy(bubbles), Copy(tissue));
        filter.Project(b.Re, b.Im);
        filter.Project(t.Re, t.Im);
        double after = 10 * Math.Log10(Energy(b) / Energy(t));
        output.WriteLine($"tissue {tissueDb} dB at {tissueVelocity} px/step, seed {seed}: auto kept [{filter.Low}, {filter.High}]; bubble-to-tissue {before:F1} dB -> {after:F1} dB; bubble energy kept {Energy(b) / Energy(bubbles):P1}");
        Assert.True(filter.Low > 1, "tissue is there: auto must remove at least one component");
        Assert.Equal(Steps, filter.High);
        Assert.True(after - before >= 20, $"gain {after - before:F1} dB");
        Assert.True(Energy(b) / Energy(bubbles) > 0.8, "the filter should keep most of the bubbles' energy");
    }

    [Theory]
    [InlineData(9, null)]
    [InlineData(4, null)]
    [InlineData(17, 20.0)]
    public void TheAutoCutoffLeavesATissueFreeSequenceWithinOnePercent(int seed, double? snrDb)
    {
        var settings = Sequence(0, seed: seed);
        settings.SnrDb = snrDb;
        var bubbles = Iq(new ScattererSimulator(settings).Render(0));
        var filtered = Copy(bubbles);
        var filter = SvdClutterFilter.Apply(filtered.Re, filtered.Im, [Steps, Size, Size], SvdCutoff.Auto);
        double change = Math.Sqrt(Energy(Minus(filtered, bubbles)) / Energy(bubbles));
        output.WriteLine($"seed {seed}, snr {snrDb?.ToString() ?? "none"}: auto kept [{filter.Low}, {filter.High}], relative change {change:P3}");
        Assert.Equal(1, filter.Low);
        Assert.True(change < 0.01, $"relative change {change:P3}");

        // Why auto is needed: the fixed cutoff that passes the 20 dB test, [4, T], takes far more than 1 % away here.
        var fixedCut = Copy(bubbles);
        SvdClutterFilter.Apply(fixedCut.Re, fixedCut.Im, [Steps, Size, Size], 4, Steps);
        double fixedChange = Math.Sqrt(Energy(Minus(fixedCut, bubbles)) / Energy(bubbles));
        output.WriteLine($"fixed [4, {Steps}] changes it by {fixedChange:P1}");
        Assert.True(fixedChange > 0.1, $"fixed cutoff change {fixedChange:P1}");
    }

    /// <summary>The criterion on singular values chosen by hand: the median of the nine is 4, so the threshold (20 dB, x10) is 40.</summary>
    [Theory]
    [InlineData(new[] { 1000.0, 300, 20, 5, 4, 3, 2, 1, 1 }, 2)]
    [InlineData(new[] { 1000.0, 41, 39, 5, 4, 3, 2, 1, 1 }, 2)]
    [InlineData(new[] { 25.0, 20, 10, 5, 4, 3, 2, 1, 1 }, 0)]
    [InlineData(new[] { 5.0, 5, 5, 5 }, 0)]
    [InlineData(new[] { 1.0 }, 0)]
    public void TheAutoCriterionCountsTheLeadingValuesMoreThan20DbAboveTheMedian(double[] singularValues, int expected) =>
        Assert.Equal(expected, SvdClutterFilter.TissueComponents(singularValues));

    [Fact]
    public void KeepingEveryComponentLeavesATissueFreeSequenceUnchanged()
    {
        var bubbles = Iq(new ScattererSimulator(Sequence(0)).Render(0));
        var filtered = Copy(bubbles);
        SvdClutterFilter.Apply(filtered.Re, filtered.Im, [Steps, Size, Size], 1, Steps);
        double change = Math.Sqrt(Energy(Minus(filtered, bubbles)) / Energy(bubbles));
        Assert.True(change < 0.01, $"relative change {change:P3}");
        // hi above T means every component up to T (PALA's [lo, end]).
        var clamped = Copy(bubbles);
        SvdClutterFilter.Apply(clamped.Re, clamped.Im, [Steps, Size, Size], 1, 1000);
        Assert.True(Math.Sqrt(Energy(Minus(clamped, bubbles)) / Energy(bubbles)) < 0.01);
    }

    /// <summary>
    /// A block whose SVD is known by hand: a static image A (strong, the same at every step) plus an image B
    /// on other pixels times a zero-mean temporal pattern. The two spatial images are orthogonal and so are
    /// the two temporal patterns, so these are the singular components, A's first; removing the first leaves
    /// exactly B's part, for real data and for the same data turned by a complex phase.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RemovingTheFirstComponentOfAKnownBlockLeavesTheSecondExactly(bool complexData)
    {
        const int t = 8, h = 4, w = 4, plane = h * w;
        double[] pattern = [1, -1, 2, -2, 0.5, -0.5, 1, -1];
        var re = new double[t * plane];
        var expected = new double[t * plane];
        for (int s = 0; s < t; s++)
            for (int p = 0; p < plane; p++)
            {
                double a = p < 8 ? 10.0 + p : 0;   // tissue: left half, static
                double b = p >= 8 ? 0.3 * (p - 7) : 0; // flow: right half
                re[s * plane + p] = a + b * pattern[s];
                expected[s * plane + p] = b * pattern[s];
            }
        double phase = complexData ? 0.7 : 0;
        var im = complexData ? re.Select(v => v * Math.Sin(phase)).ToArray() : null;
        if (complexData) re = re.Select(v => v * Math.Cos(phase)).ToArray();
        SvdClutterFilter.Apply(re, im, [t, h, w], 2, t);
        for (int i = 0; i < re.Length; i++)
        {
            Assert.Equal(expected[i] * Math.Cos(phase), re[i], 9);
            if (im is not null) Assert.Equal(expected[i] * Math.Sin(phase), im[i], 9);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TheSimulatorsCutoffFiltersTheIqBeforeTheOutput(bool auto)
    {
        var settings = Sequence(2000);
        var raw = Iq(new ScattererSimulator(settings).Render(1));
        settings.SvdCutoff = auto ? SvdCutoff.Auto : new(3, Steps);
        var filtered = Iq(new ScattererSimulator(settings).Render(1));
        var filter = SvdClutterFilter.Apply(raw.Re, raw.Im, [Steps, Size, Size], settings.SvdCutoff);
        Assert.True(filter.Low > 1, "the tissue must be removed, or the comparison shows nothing");
        double change = Math.Sqrt(Energy(Minus(filtered, raw)) / Energy(raw));
        Assert.True(change < 1e-5, $"relative difference {change}");
    }

    [Fact]
    public void ACutoffBeyondTheSequenceIsAnError()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => SvdClutterFilter.Apply(new double[4 * 4], null, [4, 2, 2], 5, 8));
        Assert.Contains("keeps no component", e.Message);
        Assert.Throws<ArgumentException>(() => SvdClutterFilter.Apply(new double[16], null, [4, 4], 1, 4));
    }
}
