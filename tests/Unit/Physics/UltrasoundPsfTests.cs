using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Physics;
using DataPipeline.Engine.Simulation;
using Xunit;

namespace DataPipeline.Tests.Physics;

/// <summary>
/// The ultrasound point response against the theory of a focused linear array: FWHM axially N·λ/2 and
/// laterally 0.886·λ·F# (docs/simulation.md gives the sources), the lateral pattern against a direct
/// sum over the aperture's elements, and the lateral resolution limit for two coherent scatterers.
/// </summary>
public class UltrasoundPsfTests
{
    private static SimulationSettings FineGrid(double mhz, double cycles, double fNumber) => new()
    {
        Psf = PsfKind.Ultrasound, Output = SimulationOutput.Envelope, Size = 256, SizeRatio = 1, Scatterers = new(1, 1),
        NoiseStd = 0, RemovalProbability = 0, CenterFrequencyMHz = mhz, PulseCycles = cycles, FNumber = fNumber,
        AxialPixelWavelengths = 0.04, LateralPixelWavelengths = 0.05, Seed = 5,
    };

    /// <summary>The first frame whose scatterer lies well inside the field, so that no cut is clipped.</summary>
    private static (Frame Frame, int Row, int Column) CentralScatterer(ScattererSimulator simulator)
    {
        for (int index = 0; ; index++)
        {
            var frame = simulator.Render(index);
            var p = frame.Positions!.Single();
            if (p.Row is > 96 and < 160 && p.Column is > 96 and < 160)
                return (frame, (int)Math.Round(p.Row), (int)Math.Round(p.Column));
        }
    }

    /// <summary>Full width at half maximum of a 1-D profile, half-max crossings interpolated linearly.</summary>
    private static double Fwhm(double[] profile)
    {
        int peak = Array.IndexOf(profile, profile.Max());
        double half = profile[peak] / 2;
        int left = peak, right = peak;
        while (profile[left - 1] > half) left--;
        while (profile[right + 1] > half) right++;
        double l = left - (profile[left] - half) / (profile[left] - profile[left - 1]);
        double r = right + (profile[right] - half) / (profile[right] - profile[right + 1]);
        return r - l;
    }

    // Theory by hand: axial FWHM = N·λ/2; lateral = 2·0.44295·λ·F# (sinc²(u) = 1/2 at u = 0.44295).
    [Theory]
    [InlineData(15.625, 2.0, 1.5, 1.0, 1.32885)]
    [InlineData(5.0, 3.0, 2.0, 1.5, 1.77180)]
    [InlineData(7.5, 1.5, 1.0, 0.75, 0.88590)]
    public void AxialAndLateralFwhmMatchTheoryWithinFivePercent(double mhz, double cycles, double fNumber,
        double axialTheoryWavelengths, double lateralTheoryWavelengths)
    {
        var s = FineGrid(mhz, cycles, fNumber);
        var (frame, row, column) = CentralScatterer(new ScattererSimulator(s));
        int w = frame.Width;
        var axial = Enumerable.Range(0, frame.Height).Select(r => (double)frame.Data[r * w + column]).ToArray();
        var lateral = Enumerable.Range(0, w).Select(c => (double)frame.Data[row * w + c]).ToArray();
        double axialFwhm = Fwhm(axial) * s.AxialPixelWavelengths, lateralFwhm = Fwhm(lateral) * s.LateralPixelWavelengths;
        Assert.InRange(axialFwhm, 0.95 * axialTheoryWavelengths, 1.05 * axialTheoryWavelengths);
        Assert.InRange(lateralFwhm, 0.95 * lateralTheoryWavelengths, 1.05 * lateralTheoryWavelengths);
    }

    /// <summary>
    /// Independent reference: the pulse-echo lateral pattern at focus is the square of the one-way field,
    /// and the one-way field of an aperture of 128 point elements spanning D = z/F# is, in the far field
    /// of each element, Σ_e exp(−i·2π·x·x_e/(λ·z)); its square, normalised, must follow the simulated cut.
    /// </summary>
    [Fact]
    public void LateralPatternFollowsTheSumOverTheApertureElements()
    {
        var s = FineGrid(15.625, 2, 1.5);
        var (frame, row, column) = CentralScatterer(new ScattererSimulator(s));
        var p = frame.Positions!.Single();
        double peak = frame.Data[row * frame.Width + column];
        double axialFactor = Math.Exp(-Math.Pow((row - p.Row) * s.AxialPixelWavelengths, 2) / (2 * Math.Pow(1.0 / 2.35482, 2)));
        const int elements = 128;
        double ApertureTwoWay(double xWavelengths)
        {
            double re = 0, im = 0;
            for (int e = 0; e < elements; e++)
            {
                double a = ((e + 0.5) / elements - 0.5) / s.FNumber; // x_e / z
                re += Math.Cos(2 * Math.PI * xWavelengths * a);
                im -= Math.Sin(2 * Math.PI * xWavelengths * a);
            }
            return (re * re + im * im) / (elements * (double)elements);
        }
        int checkedPixels = 0;
        for (int c = column - 40; c <= column + 40; c++)
        {
            double x = (c - p.Column) * s.LateralPixelWavelengths;
            double simulated = frame.Data[row * frame.Width + c] / axialFactor;
            Assert.InRange(simulated - ApertureTwoWay(x), -0.01, 0.01);
            checkedPixels++;
        }
        Assert.True(peak > 0.5 && checkedPixels == 81);
    }

    /// <summary>
    /// Two equal scatterers at the same depth (their echoes in phase, the hardest case) are one blob when
    /// closer than the lateral FWHM (the in-phase sum of two sinc² first dips at 0.94·FWHM, Sparrow's
    /// limit), and two peaks with a deep dip between them at 1.5 times it: by hand, the midpoint is
    /// 2·sinc²(0.665) = 0.344 against peaks of 1 + sinc²(1.33) = 1.043, a ratio of 0.33.
    /// </summary>
    [Fact]
    public void TwoScatterersCloserThanTheLateralResolutionAreNotResolved()
    {
        var probe = new UltrasoundProbe(15.625, 1540, 2, 1.5, 0.05, 0.05);
        var psf = new UltrasoundPsf(probe);
        double fwhmPx = 1.32885 / probe.LateralPixelWavelengths;
        Assert.Equal(1, Peaks(psf, 0.5 * fwhmPx).Count);
        Assert.Equal(1, Peaks(psf, 0.9 * fwhmPx).Count);
        var (count, dip) = Peaks(psf, 1.5 * fwhmPx);
        Assert.Equal(2, count);
        Assert.InRange(dip, 0.30, 0.36);
    }

    /// <summary>Peaks of the envelope's lateral cut through both scatterers, and the value midway over the largest.</summary>
    private static (int Count, double Dip) Peaks(UltrasoundPsf psf, double separationPx)
    {
        const int size = 200;
        var re = new double[size * size];
        var im = new double[size * size];
        psf.Add(re, im, 0, size, size, 100.3, 100 - separationPx / 2, 1, 0);
        psf.Add(re, im, 0, size, size, 100.3, 100 + separationPx / 2, 1, 0);
        var cut = Enumerable.Range(0, size).Select(c => Math.Sqrt(re[100 * size + c] * re[100 * size + c] + im[100 * size + c] * im[100 * size + c])).ToArray();
        double max = cut.Max();
        // A peak is a local maximum above half the largest value (side lobes are far below).
        int peaks = 0;
        for (int c = 1; c < size - 1; c++)
            if (cut[c] > 0.5 * max && cut[c] >= cut[c - 1] && cut[c] > cut[c + 1]) peaks++;
        return (peaks, cut[100] / max);
    }

    [Fact]
    public void KernelsAreTruncatedSoTheCostPerScattererIsBounded()
    {
        var psf = new UltrasoundPsf(new UltrasoundProbe(15.625, 1540, 2, 1.5, 0.25, 0.25));
        // σz = (N/2)/pitch/2.3548 = 4/2.3548 = 1.699 px → 3.5σ = 5.95 → 6 rows; λ·F#/pitch = 6 px → 3 nulls = 18 columns.
        Assert.Equal(6, psf.AxialHalfWidth);
        Assert.Equal(18, psf.LateralHalfWidth);
        Assert.Equal(13 * 37, psf.KernelPixels);
        const int size = 64;
        var re = new double[size * size];
        var im = new double[size * size];
        psf.Add(re, im, 0, size, size, 30.4, 31.7, 1, 0);
        for (int r = 0; r < size; r++)
            for (int c = 0; c < size; c++)
            {
                bool inside = Math.Abs(r - 30.4) <= 6 && Math.Abs(c - 31.7) <= 18;
                if (!inside) Assert.True(re[r * size + c] == 0 && im[r * size + c] == 0, $"({r}, {c}) is outside the kernel but was written");
            }
        // 10,000 scatterers write at most 10,000 kernels' worth of pixels, however dense they are.
        var s = new SimulationSettings { Psf = PsfKind.Ultrasound, Size = 128, Scatterers = new(10_000, 10_000), NoiseStd = 0 };
        var frame = new ScattererSimulator(s).Render(0);
        Assert.Equal(128 * 128, frame.Data.Length);
        Assert.All(frame.Data, v => Assert.True(float.IsFinite(v)));
    }
}
