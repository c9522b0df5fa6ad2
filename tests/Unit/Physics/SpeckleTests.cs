using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Simulation;
using Xunit;
using Xunit.Abstractions;

namespace DataPipeline.Tests.Physics;

/// <summary>
/// Fully developed speckle (Goodman; Burckhardt 1978; Wagner et al. 1983): the envelope of many scatterers
/// per resolution cell with random phases is Rayleigh distributed, so its point SNR mean/std is
/// sqrt(π/(4 − π)) = 1.913, and the intensity is exponential (⟨I²⟩ = 2⟨I⟩², CDF 1 − exp(−I/⟨I⟩)).
/// </summary>
public class SpeckleTests(ITestOutputHelper output)
{
    private static SimulationSettings Tissue(int scatterers) => new()
    {
        Psf = PsfKind.Ultrasound, Output = SimulationOutput.Envelope, Size = 128, Scatterers = new(0, 0),
        TissueScatterers = scatterers, NoiseStd = 0, Seed = 3,
    };

    private static double[] Envelopes(SimulationSettings s, int frames)
    {
        var simulator = new ScattererSimulator(s);
        return Enumerable.Range(0, frames).SelectMany(i => simulator.Render(i).Data).Select(v => (double)v).ToArray();
    }

    private static (double PointSnr, double MomentRatio, double Ks) Statistics(double[] envelope)
    {
        double mean = envelope.Average();
        double std = Math.Sqrt(envelope.Sum(v => (v - mean) * (v - mean)) / envelope.Length);
        var intensity = envelope.Select(v => v * v).Order().ToArray();
        double mi = intensity.Average();
        double m2 = intensity.Average(v => v * v);
        double ks = 0;
        for (int i = 0; i < intensity.Length; i++)
        {
            double model = 1 - Math.Exp(-intensity[i] / mi);
            ks = Math.Max(ks, Math.Max(Math.Abs((i + 1.0) / intensity.Length - model), Math.Abs((double)i / intensity.Length - model)));
        }
        return (mean / std, m2 / (mi * mi), ks);
    }

    [Fact]
    public void DenseTissueGivesRayleighEnvelopeAndExponentialIntensity()
    {
        // The default probe's resolution cell is about 4 x 5.3 pixels: 60,000 scatterers over the field and
        // its margins (about 140 x 164 pixels) put about 55 in each (with 20,000 the finite number per
        // cell still shows: SNR 1.87). 24 frames give about 10,000 independent speckle grains.
        var (snr, ratio, ks) = Statistics(Envelopes(Tissue(60_000), 24));
        output.WriteLine($"dense: point SNR {snr:F4}, <I^2>/<I>^2 {ratio:F4}, KS {ks:F4}");
        Assert.InRange(snr, 1.91 - 0.05, 1.91 + 0.05);
        Assert.InRange(ratio, 1.9, 2.1);
        Assert.True(ks < 0.02, $"KS distance to the exponential law {ks:F4}");
    }

    [Fact]
    public void SparseScatterersAreNotFullyDevelopedSpeckle()
    {
        // The same statistics must tell a sparse field apart (about one scatterer per ten cells), or the
        // test above could not fail.
        var (snr, ratio, ks) = Statistics(Envelopes(Tissue(200), 8));
        output.WriteLine($"sparse: point SNR {snr:F4}, <I^2>/<I>^2 {ratio:F4}, KS {ks:F4}");
        Assert.True(Math.Abs(snr - 1.91) > 0.05 && ks > 0.02);
    }
}
