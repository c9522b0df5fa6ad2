using DataPipeline.Engine.Sweeps;
using Xunit;

namespace DataPipeline.Tests.Engine;

public sealed class SweepPlanTests
{
    [Fact]
    public void HalvingOfEightToFourEpochsIsEightOneFourTwoTwoFour()
    {
        // Hand-worked: K = min(floor(log2 8), floor(log2 4)) = 2 promotions.
        Assert.Equal([new SweepRung(1, 8), new SweepRung(2, 4), new SweepRung(4, 2)], SweepPlan.HalvingRungs(8, 4, 2));
    }

    [Fact]
    public void HalvingIsLimitedByTheFewerOfCombinationsAndEpochs()
    {
        // 27 combinations, eta 3, 9 epochs: 27 x 1, 9 x 3, 3 x 9.
        Assert.Equal([new SweepRung(1, 27), new SweepRung(3, 9), new SweepRung(9, 3)], SweepPlan.HalvingRungs(27, 9, 3));
        // Two combinations cannot be halved twice, however many epochs: 2 x 5, then 1 x 10.
        Assert.Equal([new SweepRung(5, 2), new SweepRung(10, 1)], SweepPlan.HalvingRungs(2, 10, 2));
        // One epoch leaves nothing to halve.
        Assert.Equal([new SweepRung(1, 8)], SweepPlan.HalvingRungs(8, 1, 2));
    }

    [Fact]
    public void RandomTrialsAreDistinctSortedAndRepeatForASeed()
    {
        var a = SweepPlan.DrawTrials(12, 5, seed: 3);
        Assert.Equal(5, a.Distinct().Count());
        Assert.Equal(a.Order(), a);
        Assert.All(a, i => Assert.InRange(i, 0, 11));
        Assert.Equal(a, SweepPlan.DrawTrials(12, 5, seed: 3));
        Assert.NotEqual(a, SweepPlan.DrawTrials(12, 5, seed: 4));
        Assert.Equal([0, 1, 2], SweepPlan.DrawTrials(3, 10, seed: 1));
    }

    [Theory]
    [InlineData(new[] { 0, 1, 2, 3 }, "0-3")]
    [InlineData(new[] { 5, 0, 2, 1, 7, 6 }, "0-2,5-7")]
    [InlineData(new[] { 4 }, "4")]
    [InlineData(new[] { 1, 3, 5 }, "1,3,5")]
    public void ArraySpecCompressesIndicesIntoSlurmRanges(int[] indices, string expected) =>
        Assert.Equal(expected, SlurmBackend.ArraySpec(indices));
}
