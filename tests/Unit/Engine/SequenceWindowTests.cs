using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Frames;
using Xunit;

namespace DataPipeline.Tests.Engine;

/// <summary>[batch] sequence_window (ketos's n_extend) against hand-made recordings.</summary>
public class SequenceWindowTests
{
    /// <summary>A 2x2 frame whose data is all <paramref name="value"/> and whose 4x4 label is all 10 * value, with one scatterer.</summary>
    private static Frame Step(string source, int index, float value) =>
        new(Enumerable.Repeat(value, 4).ToArray(), [2, 2], Enumerable.Repeat(10 * value, 16).ToArray(), [4, 4], source, index,
            [new ScattererPosition(0, 0, value, 0, true)]);

    /// <summary>The value of each step of a sample: data[0] of each 2x2 slice.</summary>
    private static float[] StepValues(ReadOnlySpan<float> sample, int steps)
    {
        var values = new float[steps];
        for (int j = 0; j < steps; j++) values[j] = sample[j * 4];
        return values;
    }

    private static float[] Sample(IFrameSource source, int position)
    {
        var data = new float[Frame.ElementCount(source.FrameShape)];
        var label = new float[Frame.ElementCount(source.LabelShape)];
        source.CopyTo(position, data, label);
        for (int j = 0; j < source.FrameShape[0]; j++)
            Assert.Equal(10 * data[j * 4], label[j * 16]); // each step's label comes with its data
        return StepValues(data, source.FrameShape[0]);
    }

    [Fact]
    public void EachFrameIsStackedWithItsRecordingsNeighboursAndEdgesRepeat()
    {
        // Recording "rec": steps 0..4 (values 0..4), given out of order; recording "other": 100, 101.
        var frames = new List<Frame> { Step("rec", 2, 2), Step("other", 0, 100), Step("rec", 0, 0), Step("rec", 1, 1), Step("rec", 3, 3), Step("rec", 4, 4), Step("other", 1, 101) };
        var window = new SequenceWindowSource(new FrameList(frames), 1);
        Assert.Equal([3, 2, 2], window.FrameShape);
        Assert.Equal([3, 4, 4], window.LabelShape);
        Assert.Equal([1f, 2, 3], Sample(window, 0));
        Assert.Equal([100f, 100, 101], Sample(window, 1));
        Assert.Equal([0f, 0, 1], Sample(window, 2));
        Assert.Equal([3f, 4, 4], Sample(window, 5));
        Assert.Equal([100f, 101, 101], Sample(window, 6));

        var two = new SequenceWindowSource(new FrameList(frames), 2);
        Assert.Equal([0f, 0, 0, 1, 2], Sample(two, 2));
        Assert.Equal([0f, 1, 2, 3, 4], Sample(two, 0));
    }

    [Fact]
    public void AMissingIndexEndsTheRecordingOnThatSide()
    {
        // Steps 0, 1, 3, 4: index 2 is missing.
        var frames = new List<Frame> { Step("rec", 0, 0), Step("rec", 1, 1), Step("rec", 3, 3), Step("rec", 4, 4) };
        var window = new SequenceWindowSource(new FrameList(frames), 2);
        Assert.Equal([0f, 0, 1, 1, 1], Sample(window, 1));
        Assert.Equal([3f, 3, 3, 4, 4], Sample(window, 2));
    }

    [Fact]
    public void ASampleReadWholeKeepsItsCentresIdentityAndItsStepsPositions()
    {
        var frames = new List<Frame> { Step("rec", 0, 0), Step("rec", 1, 1), Step("rec", 2, 2) };
        var frame = new SequenceWindowSource(new FrameList(frames), 1).Read(1);
        Assert.Equal(("rec", 1), (frame.Source, frame.Index));
        Assert.Equal([3, 2, 2], frame.Shape);
        Assert.Equal([(0, 0.0), (1, 1.0), (2, 2.0)], frame.Positions!.Select(p => (p.TimeStep, p.Row)));
    }

    [Fact]
    public void TheGeneratorWindowsEachSourceOnItsOwnAndAFilteredSampleKeepsItsNeighbours()
    {
        // Two sources that number their frames alike, under one name: never mixed.
        var first = new FrameList([Step("rec", 0, 0), Step("rec", 1, 1), Step("rec", 2, 2)]);
        var second = new FrameList([Step("rec", 0, 50), Step("rec", 1, 51)]);
        var settings = new BatchSettings { BatchSize = 8, ValidationFraction = 0, Shuffle = false, SequenceWindow = 1 };
        var generator = new BatchGenerator(new CombinedFrameSource([first, second]), settings);
        var batch = Assert.Single(generator.GetBatches());
        Assert.Equal([5, 1, 3, 2, 2], batch.Shape);
        Assert.Equal([5, 1, 3, 4, 4], batch.LabelShape);
        var samples = Enumerable.Range(0, 5).Select(i => StepValues(batch.Data.AsSpan(i * 12, 12), 3)).ToArray();
        Assert.Equal([[0f, 0, 1], [0f, 1, 2], [1f, 2, 2], [50f, 50, 51], [50f, 51, 51]], samples);
        Assert.Equal(1, generator.Settings.SequenceWindow);

        // Only step 1 is kept, but its neighbours are still steps 0 and 2 of its recording.
        var filtered = new BatchGenerator(new FrameSubset(first, [1]), settings);
        Assert.Equal([0f, 1, 2], StepValues(Assert.Single(filtered.GetBatches()).Data, 3));
    }

    [Fact]
    public void SequencesAndOutOfPlaneAreRefused()
    {
        var sequence = new Frame(new float[8], [2, 2, 2], new float[32], [2, 4, 4], "rec", 0);
        Assert.Throws<ArgumentException>(() => new SequenceWindowSource(new FrameList([sequence]), 1));
        var settings = new BatchSettings { SequenceWindow = 1, ValidationFraction = 0 };
        Assert.Throws<ArgumentException>(() => new BatchGenerator([Step("rec", 0, 0)], settings, new AugmentSettings { OutOfPlane = 0.5 }));
    }
}
