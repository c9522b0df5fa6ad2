using DataPipeline.Engine.Mat;
using Xunit;

namespace DataPipeline.Tests.Mat;

public sealed class MatPathTests
{
    [Fact]
    public void PathsIndexStructArraysAndCells()
    {
        // teststructarr: a 1x2 struct array with fields one and two.
        var arr = MatCorpus.ReadAll(System.IO.Path.Combine(MatCorpus.Dev, "teststructarr_7.1_GLNX86.mat"))[0];
        Assert.Equal([1, 2], arr.Dimensions);
        var second = MatPath.Parse("teststructarr(2).one").Resolve(arr)!;
        Assert.Same(arr.StructElement(1)["one"], second);
        Assert.Null(MatPath.Parse("teststructarr.one").Resolve(arr));
        Assert.Null(MatPath.Parse("teststructarr(3).one").Resolve(arr));
        Assert.Equal([1, 1], MatPath.Parse("teststructarr(1)").Resolve(arr)!.Dimensions);

        var cell = MatCorpus.ReadAll(System.IO.Path.Combine(MatCorpus.Dev, "testsimplecell.mat"))[0];
        Assert.Equal(["b"], MatPath.Parse("s.mycell(2)").Resolve(cell)!.Text!);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1abc")]
    [InlineData("a..b")]
    [InlineData("a(0)")]
    [InlineData("a(x)")]
    public void MalformedPathsAreRefused(string text) => Assert.Throws<FormatException>(() => MatPath.Parse(text));
}
