using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Mat;
using Xunit;

namespace DataPipeline.Tests.Mat;

public sealed class MatImportTests
{
    private static List<MatImportResult> Import(string folder, DataSettings settings) =>
        new MatDatasetImporter(settings, 2).Import(MatDatasetImporter.FindFiles([folder], false), CancellationToken.None).ToList();

    [Fact]
    public void DefaultsSumDasOverItsFramesAndPairItWithGauss()
    {
        var results = Import(MatCorpus.SarusV5, new DataSettings());
        Assert.Equal(8, results.Count);
        Assert.All(results, r => Assert.Null(r.Error));
        var frame = results[0].Frames.Single();
        Assert.Equal([64, 64], frame.Shape);
        Assert.Equal([128, 128], frame.LabelShape!);
        Assert.Equal(2, frame.SizeRatio);
        Assert.EndsWith("sarus_like_000.mat", frame.Source);

        // Hand check against the expected JSON: frame (r, c) = sum over t of das(r, c, t) (column-major).
        var das = MatCorpus.Expected(Path.Combine(MatCorpus.SarusV5, "sarus_like_000.mat"))[0]
            .GetProperty("Elements")[0].GetProperty("das").GetProperty("Real").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        foreach (var (r, c) in new[] { (0, 0), (5, 17), (63, 2), (31, 63) })
        {
            double sum = 0;
            for (int t = 0; t < 11; t++) sum += das[r + c * 64 + t * 4096];
            Assert.Equal((float)sum, frame.Data[r * 64 + c], 4);
        }
    }

    [Fact]
    public void V5AndV73FilesGiveIdenticalFrames()
    {
        var settings = new DataSettings { Normalize = MatNormalization.MinMax };
        var v5 = Import(MatCorpus.SarusV5, settings).SelectMany(r => r.Frames).ToList();
        var v73 = Import(MatCorpus.SarusV73, settings).SelectMany(r => r.Frames).ToList();
        Assert.Equal(8, v5.Count);
        Assert.Equal(v5.Count, v73.Count);
        for (int i = 0; i < v5.Count; i++)
        {
            Assert.Equal(v5[i].Data, v73[i].Data);
            Assert.Equal(v5[i].Label, v73[i].Label);
            Assert.Equal(Path.GetFileName(v5[i].Source), Path.GetFileName(v73[i].Source));
        }
    }

    [Fact]
    public void FrameDimSplitsOneFileIntoManyFramesSharingTheLabel()
    {
        var settings = new DataSettings { Reduce = MatReduction.None, FrameDim = 3, Normalize = MatNormalization.Max };
        var frames = Import(MatCorpus.SarusV5, settings)[0].Frames;
        Assert.Equal(11, frames.Count);
        Assert.Equal(Enumerable.Range(0, 11), frames.Select(f => f.Index));
        Assert.All(frames, f => Assert.Equal(1f, f.Data.Max(Math.Abs)));
        Assert.Equal(frames[0].Label, frames[10].Label);
    }

    [Fact]
    public void WithoutReductionThreeDimensionalDataIsASequence()
    {
        var settings = new DataSettings { Reduce = MatReduction.None, LabelVariable = "" };
        var frame = Import(MatCorpus.SarusV5, settings)[0].Frames.Single();
        Assert.Equal([11, 64, 64], frame.Shape);
        Assert.Null(frame.Label);
    }

    [Theory]
    [InlineData(MatReduction.Sum, new double[] { 9, 12 })]
    [InlineData(MatReduction.Mean, new double[] { 3, 4 })]
    [InlineData(MatReduction.Max, new double[] { 5, 6 })]
    public void ReduceCollapsesTheChosenDimension(MatReduction how, double[] expected)
    {
        // A 2x3 matrix [1 3 5; 2 4 6] (column-major 1..6) reduced over dimension 2.
        var (values, dims) = MatFrameExtractor.Reduce([1, 2, 3, 4, 5, 6], [2, 3], 1, how);
        Assert.Equal(expected, values);
        Assert.Equal([2, 1], dims);
    }

    [Fact]
    public void NormalisationsScaleAsDocumented()
    {
        float[] a = [1e-22f, 3e-22f, 2e-22f];
        MatFrameExtractor.Normalize(a, MatNormalization.MinMax);
        Assert.Equal(0f, a[0]);
        Assert.Equal(1f, a[1]);
        Assert.Equal(0.5f, a[2], 5);
        float[] b = [2, 4, 6];
        MatFrameExtractor.Normalize(b, MatNormalization.ZScore);
        Assert.Equal(0, b.Average(), 6);
        Assert.Equal(-Math.Sqrt(1.5), b[0], 5);
        float[] c = [-4, 2];
        MatFrameExtractor.Normalize(c, MatNormalization.Max);
        Assert.Equal([-1f, 0.5f], c);
    }

    [Fact]
    public void MissingVariablesAndOddShapesAreReportedPerFile()
    {
        var files = new[] { Path.Combine(MatCorpus.SarusV5, "sarus_like_000.mat"), Path.Combine(MatCorpus.Dev, "testdouble_7.1_GLNX86.mat"), Path.Combine(MatCorpus.Dev, "malformed1.mat"), Path.Combine(MatCorpus.SarusV5, "sarus_like_001.mat") };
        var odd = new DataSettings { DataVariable = "low_res.das", LabelVariable = "" , Reduce = MatReduction.None };
        var results = new MatDatasetImporter(odd, 2).Import(files, CancellationToken.None).ToList();
        Assert.Null(results[0].Error);
        Assert.Contains("no variable 'low_res.das'", results[1].Error!.Message);
        Assert.IsType<MatFormatException>(results[2].Error);
        Assert.Null(results[3].Error);

        string folder = Directory.CreateTempSubdirectory("dp-matimp-").FullName;
        try
        {
            Level5Writer.Write(Path.Combine(folder, "a.mat"), [MatVariable.Doubles("x", new double[16], 4, 4)]);
            Level5Writer.Write(Path.Combine(folder, "b.mat"), [MatVariable.Doubles("x", new double[20], 4, 5)]);
            Level5Writer.Write(Path.Combine(folder, "c.mat"), [MatVariable.Doubles("x", new double[16], 4, 4)]);
            var shapes = Import(folder, new DataSettings { DataVariable = "x", LabelVariable = "" });
            Assert.Null(shapes[0].Error);
            Assert.Contains("first file's are [4x4]", shapes[1].Error!.Message);
            Assert.Empty(shapes[1].Frames);
            Assert.Null(shapes[2].Error);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
    [Fact]
    public void ASequenceMayCarryOneTwoDimensionalLabelButAFrameNoSequenceLabel()
    {
        string folder = Directory.CreateTempSubdirectory("dp-matseq-").FullName;
        try
        {
            // MATLAB's [H, W, T] = 4 x 4 x 3 data and one 8 x 8 label (a track image of the sequence).
            var label = Enumerable.Range(0, 64).Select(k => (double)k).ToArray();
            Level5Writer.Write(Path.Combine(folder, "a.mat"), [MatVariable.Doubles("d", new double[48], 4, 4, 3), MatVariable.Doubles("l", label, 8, 8)]);
            var result = Import(folder, new DataSettings { DataVariable = "d", LabelVariable = "l", Reduce = MatReduction.None }).Single();
            Assert.Null(result.Error);
            var frame = result.Frames.Single();
            Assert.Equal([3, 4, 4], frame.Shape);
            Assert.Equal([8, 8], frame.LabelShape!);
            Assert.True(frame.LabelsSequence);
            // Row-major here, column-major in MATLAB: pixel (r, c) is MATLAB's element c * 8 + r.
            Assert.Equal(2 * 8 + 5, frame.Label![5 * 8 + 2]);

            Level5Writer.Write(Path.Combine(folder, "a.mat"), [MatVariable.Doubles("d", new double[16], 4, 4), MatVariable.Doubles("l", new double[192], 8, 8, 3)]);
            var refused = Import(folder, new DataSettings { DataVariable = "d", LabelVariable = "l", Reduce = MatReduction.None }).Single();
            Assert.Contains("the label 2-D for 3-D data", refused.Error!.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
