using System.Text.Json;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Mat;
using Xunit;

namespace DataPipeline.Tests.Mat;

/// <summary>[data] complex_part = "iq": complex data as two channels (real, imaginary).</summary>
public sealed class MatIqImportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dp-iq-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static DataSettings Iq(string variable) => new()
    {
        DataVariable = variable, LabelVariable = "", ComplexPart = ComplexPart.Iq,
        Reduce = MatReduction.None, Normalize = MatNormalization.None,
    };

    public static TheoryData<string> ComplexCorpus() => new(
        Directory.GetFiles(Path.Combine(SharedPaths.Shared, "corpus", "mat", "dev"), "testcomplex_*.mat").Select(Path.GetFileName)!);

    [Theory]
    [MemberData(nameof(ComplexCorpus))]
    public void CorpusComplexFilesDecodeToRealThenImaginaryChannels(string name)
    {
        // The corpus's JSON beside each file is MATLAB's/Octave's own decoding: Real and Imag, column-major.
        string mat = Path.Combine(SharedPaths.Shared, "corpus", "mat", "dev", name);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(mat, ".json")));
        var expected = json.RootElement[0];
        var real = expected.GetProperty("Real").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var imag = expected.GetProperty("Imag").EnumerateArray().Select(e => e.GetDouble()).ToArray();

        var frame = Assert.Single(new MatFrameExtractor(Iq(expected.GetProperty("Name").GetString()!)).Extract(mat));
        Assert.Equal(2, frame.Channels);
        Assert.Equal([1, 9], frame.Shape);
        // A 1 x 9 row is column-major and row-major alike.
        for (int i = 0; i < 9; i++)
        {
            Assert.Equal(real[i], frame.Data[i], 6);
            Assert.Equal(imag[i], frame.Data[9 + i], 6);
        }
    }

    [Fact]
    public void AComplexSingleSequenceRoundTripsWithFramesAndTheSvdFilterOnTheComplexData()
    {
        // [H=2, W=3, T=4] complex single, value (r + 10c + 100t) + i·(−t), written column-major.
        int h = 2, w = 3, t = 4;
        var re = new double[h * w * t];
        var im = new double[h * w * t];
        for (int k = 0; k < t; k++)
            for (int c = 0; c < w; c++)
                for (int r = 0; r < h; r++)
                {
                    re[r + c * h + k * h * w] = r + 10 * c + 100 * k;
                    im[r + c * h + k * h * w] = -k;
                }
        string file = Path.Combine(_dir, "iq.mat");
        Level5Writer.Write(file, [MatVariable.Numeric("iq", "single", [h, w, t], re, im)]);

        var settings = Iq("iq");
        settings.FrameDim = 3;
        var frames = new MatFrameExtractor(settings).Extract(file);
        Assert.Equal(t, frames.Count);
        foreach (var (frame, k) in frames.Select((f, k) => (f, k)))
        {
            Assert.Equal(2, frame.Channels);
            Assert.Equal([h, w], frame.Shape);
            // Row-major [channel, row, column].
            Assert.Equal(1 + 10 * 2 + 100 * k, frame.Data[1 * w + 2]);
            Assert.Equal(-k, frame.Data[h * w + 1 * w + 2]);
        }

        // The whole sequence as one [T, H, W] frame, with the clutter filter removing the first component:
        // the filter runs on the complex data, so the channels are its real and imaginary parts.
        var whole = Iq("iq");
        whole.SvdCutoff = new SvdCutoff(2, 4);
        var filtered = Assert.Single(new MatFrameExtractor(whole).Extract(file));
        Assert.Equal([t, h, w], filtered.Shape);
        Assert.Equal(2, filtered.Channels);
        var real = Iq("iq");
        real.SvdCutoff = new SvdCutoff(2, 4);
        real.ComplexPart = ComplexPart.Real;
        var realPart = Assert.Single(new MatFrameExtractor(real).Extract(file));
        Assert.Equal(realPart.Data, filtered.Data[..(t * h * w)]);
    }

    [Fact]
    public void IqNeedsComplexData()
    {
        string file = Path.Combine(_dir, "real.mat");
        Level5Writer.Write(file, [MatVariable.Doubles("x", new double[16], 4, 4)]);
        var e = Assert.Throws<InvalidDataException>(() => new MatFrameExtractor(Iq("x")).Extract(file));
        Assert.Contains("complex_part = \"iq\" needs complex data", e.Message);
        Assert.Contains("'x'", e.Message);
    }

    [Theory]
    [InlineData("reduce", "reduce = \"max\"")]
    [InlineData("minmax", "normalize = \"minmax\"")]
    [InlineData("zscore", "normalize = \"zscore\"")]
    public void CombinationsThatBreakIqAreRefused(string what, string message)
    {
        var settings = Iq("x");
        if (what == "reduce") settings.Reduce = MatReduction.Max;
        else settings.Normalize = what == "minmax" ? MatNormalization.MinMax : MatNormalization.ZScore;
        var e = Assert.Throws<ArgumentException>(() => new MatFrameExtractor(settings));
        Assert.Contains("complex_part = \"iq\"", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void TheConfigKeyReadsIq() =>
        Assert.Equal(ComplexPart.Iq, ConfigLoader.Parse("[data]\ncomplex_part = \"iq\"\n", "iq.toml").Data.ComplexPart);
}
