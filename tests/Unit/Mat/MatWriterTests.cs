using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Mat;
using Xunit;

namespace DataPipeline.Tests.Mat;

public sealed class MatWriterTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dp-matw-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    public static IEnumerable<object[]> Level5Corpus =>
        MatCorpus.Files(MatCorpus.Dev, rejects: false)
            .Where(f => { using var m = MatFile.Open(Path.Combine(MatCorpus.Dev, (string)f[0])); return m.Format == MatFileFormat.Level5; })
            .SelectMany(f => new[] { new object[] { f[0], true }, [f[0], false] });

    [Theory]
    [MemberData(nameof(Level5Corpus))]
    public void WrittenCorpusValuesReadBackAsTheOracleReadTheOriginal(string name, bool compress)
    {
        // Rewrite what we can write (not sparse, function handles, objects, opaque values) and
        // compare the re-read file with the corpus oracle's JSON of the original.
        string source = Path.Combine(MatCorpus.Dev, name);
        var writable = MatCorpus.ReadAll(source).Where(Writable).ToList();
        if (writable.Count == 0) return;
        string target = Path.Combine(_folder, name);
        Level5Writer.Write(target, writable, compress);

        var expected = System.Text.Json.JsonDocument.Parse(
            System.Text.Json.JsonSerializer.Serialize(MatCorpus.Expected(source).EnumerateArray()
                .Where(e => writable.Any(w => w.Name == e.GetProperty("Name").GetString())))).RootElement;
        var diffs = CanonicalJson.Compare(expected, MatCorpus.Json(MatCorpus.ReadAll(target)));
        Assert.True(diffs.Count == 0, string.Join("\n", diffs.Take(10)));
    }

    private static bool Writable(MatVariable v) => v.Class switch
    {
        MatClass.FunctionHandle or MatClass.Object or MatClass.Opaque => false,
        MatClass.Cell => v.Elements!.Cast<MatVariable>().All(Writable),
        MatClass.Struct => v.Elements!.Cast<IReadOnlyDictionary<string, MatVariable>>().All(e => e.Values.All(Writable)),
        _ => !v.IsSparse,
    };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void HandMadeValuesRoundTrip(bool compress)
    {
        // [1 2 3; 4 5 6] is column-major 1 4 2 5 3 6.
        var matrix = MatVariable.Doubles("m", [1, 4, 2, 5, 3, 6], 2, 3);
        var ints = MatVariable.Numeric("i", MatClass.Int16, [1, 3], new long[] { short.MinValue, 0, short.MaxValue });
        var big = MatVariable.Numeric("u", MatClass.UInt64, [1, 1], new[] { ulong.MaxValue });
        var complex = MatVariable.Numeric("z", MatClass.Single, [1, 2], new double[] { 1.5, -2 }, new double[] { 0.25, 3 });
        var mask = MatVariable.Numeric("mask", MatClass.Logical, [2, 1], new byte[] { 1, 0 });
        var text = MatVariable.Char("t", "abc", "xyz");
        var cell = MatVariable.Cell("c", [1, 2], [MatVariable.Char(null, "hello"), MatVariable.Doubles(null, [], 0, 0)]);
        var s = MatVariable.Struct("s", [1, 2], ["a", "b"],
        [
            new Dictionary<string, MatVariable> { ["a"] = MatVariable.Doubles(null, [7], 1, 1), ["b"] = MatVariable.Char(null, "x") },
            new Dictionary<string, MatVariable> { ["a"] = MatVariable.Doubles(null, [8], 1, 1), ["b"] = MatVariable.Char(null, "y") },
        ]);
        string file = Path.Combine(_folder, "hand.mat");
        Level5Writer.Write(file, [matrix, ints, big, complex, mask, text, cell, s], compress);

        var back = MatCorpus.ReadAll(file).ToDictionary(v => v.Name!);
        Assert.Equal([2, 3], back["m"].Dimensions);
        Assert.Equal([1.0, 4, 2, 5, 3, 6], (double[])back["m"].Real!);
        Assert.Equal([short.MinValue, 0L, short.MaxValue], (long[])back["i"].Real!);
        Assert.Equal(ulong.MaxValue, ((ulong[])back["u"].Real!)[0]);
        Assert.True(back["z"].IsComplex);
        Assert.Equal(MatClass.Single, back["z"].Class);
        Assert.Equal([0.25, 3], (double[])back["z"].Imag!);
        Assert.Equal(MatClass.Logical, back["mask"].Class);
        Assert.Equal(["abc", "xyz"], back["t"].Text!);
        Assert.Equal(["hello"], back["c"].CellElement(0).Text!);
        Assert.Equal([0, 0], back["c"].CellElement(1).Dimensions);
        Assert.Equal(["a", "b"], back["s"].Fields!);
        Assert.Equal(8.0, ((double[])back["s"].StructElement(1)["a"].Real!)[0]);
        Assert.Equal(["y"], back["s"].StructElement(1)["b"].Text!);
        Assert.Equal(MatCorpus.Json([matrix, ints, big, complex, mask, text, cell, s]).GetRawText(), MatCorpus.Json(back.Values).GetRawText());
    }

    [Fact]
    public void FramePredictionsRoundTripInTheLabelsLayout()
    {
        // 2 x 3 data, 4 x 6 label and prediction; values distinct so a transposition would show.
        static float[] Ramp(int n, float start) => Enumerable.Range(0, n).Select(i => start + i).ToArray();
        Frame Labelled(int index) => new(Ramp(6, 0), [2, 3], Ramp(24, 100), [4, 6], "f.mat", index);
        var frames = new List<Frame>
        {
            Labelled(0).WithPrediction(Ramp(24, 1000)),
            Labelled(1),
            Labelled(2).WithPrediction(Ramp(24, 3000)),
        };
        string file = Path.Combine(_folder, "frames.mat");
        Level5Writer.Write(file, FrameMatConverter.ToVariables(frames), compress: true);

        var back = MatCorpus.ReadAll(file).ToDictionary(v => v.Name!);
        Assert.Equal(back["label"].Dimensions, back["prediction"].Dimensions);
        Assert.Equal([4, 6, 3], back["prediction"].Dimensions);
        var values = back["prediction"].ToDoubleArray();
        for (int n = 0; n < 3; n++)
            for (int r = 0; r < 4; r++)
                for (int c = 0; c < 6; c++)
                {
                    // Column-major H x W x N in the file, row-major [H, W] in the frame.
                    double v = values[r + c * 4 + n * 24];
                    if (n == 1) Assert.True(double.IsNaN(v), "a frame without a prediction is NaN");
                    else Assert.Equal(frames[n].Prediction![r * 6 + c], v);
                }

        // Without any prediction there is no prediction variable, and mixed shapes are refused.
        Assert.DoesNotContain(FrameMatConverter.ToVariables([Labelled(0)]), v => v.Name == "prediction");
        var unlabelled = new Frame(Ramp(6, 0), [2, 3], null, null, "g.mat", 0).WithPrediction(Ramp(4, 0), [2, 2]);
        var unlabelledToo = new Frame(Ramp(6, 0), [2, 3], null, null, "g.mat", 1).WithPrediction(Ramp(6, 0));
        Assert.Throws<ArgumentException>(() => FrameMatConverter.ToVariables([unlabelled, unlabelledToo]));
    }

    /// <summary>IQ frame n of 2 x 3: real part n·100 + 3r + c, imaginary part its negative minus 0.5.</summary>
    private static Frame Iq(int n)
    {
        var data = new float[12];
        for (int i = 0; i < 6; i++) { data[i] = n * 100 + i; data[6 + i] = -(n * 100 + i) - 0.5f; }
        return new Frame(data, [2, 3], null, null, "iq", n, channels: 2);
    }

    [Fact]
    public void IqFramesAreWrittenAsAComplexSingleArray()
    {
        string file = Path.Combine(_folder, "iq.mat");
        Level5Writer.Write(file, FrameMatConverter.ToVariables([Iq(0), Iq(1), Iq(2)]), compress: true);

        var data = MatCorpus.ReadAll(file).Single(v => v.Name == "data");
        Assert.Equal(MatClass.Single, data.Class);
        Assert.True(data.IsComplex);
        Assert.Equal([2, 3, 3], data.Dimensions);
        double[] re = data.ToDoubleArray(), im = data.ToDoubleArray(imaginary: true);
        for (int n = 0; n < 3; n++)
            for (int r = 0; r < 2; r++)
                for (int c = 0; c < 3; c++)
                {
                    int k = r + c * 2 + n * 6;
                    Assert.Equal(n * 100 + 3 * r + c, re[k]);
                    Assert.Equal(-(n * 100 + 3 * r + c) - 0.5, im[k]);
                }

        // scipy, an independent reader, sees MATLAB's complex single with the same values.
        string script = "import sys, numpy as np, scipy.io as s\n" +
            "d = s.loadmat(sys.argv[1])['data']\n" +
            "assert d.dtype == np.complex64 and d.shape == (2, 3, 3), (d.dtype, d.shape)\n" +
            "for n in range(3):\n for r in range(2):\n  for c in range(3):\n" +
            "   v = n * 100 + 3 * r + c\n   assert d[r, c, n] == complex(v, -v - 0.5), (n, r, c, d[r, c, n])\n";
        var start = new System.Diagnostics.ProcessStartInfo("/usr/bin/python3") { RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(file);
        using var python = System.Diagnostics.Process.Start(start)!;
        string stderr = python.StandardError.ReadToEnd();
        python.WaitForExit();
        Assert.True(python.ExitCode == 0, $"scipy rejected the file (run tools/install-prerequisites.sh for python3-scipy):\n{stderr}");

        // IQ and one-channel frames do not stack into one array.
        var plain = new Frame(new float[6], [2, 3], null, null, "p", 3);
        var e = Assert.Throws<ArgumentException>(() => FrameMatConverter.ToVariables([Iq(0), plain]));
        Assert.Contains("channel counts", e.Message);
    }

    [Fact]
    public void BadNamesAndUnwritableValuesAreRefused()
    {
        string file = Path.Combine(_folder, "bad.mat");
        Assert.Throws<ArgumentException>(() => Level5Writer.Write(file, [MatVariable.Doubles("1abc", [1], 1, 1)]));
        Assert.Throws<ArgumentException>(() => Level5Writer.Write(file, [MatVariable.Doubles("a", [1], 1, 1), MatVariable.Doubles("a", [2], 1, 1)]));
        var handles = MatCorpus.ReadAll(Path.Combine(MatCorpus.Dev, "some_functions.mat"));
        Assert.Throws<ArgumentException>(() => Level5Writer.Write(file, handles));
        Assert.False(File.Exists(file));
    }
}
