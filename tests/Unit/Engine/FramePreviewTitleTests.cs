using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Reporting;
using Xunit;

namespace DataPipeline.Tests.Engine;

/// <summary>Panel titles of previews: a sequence's one-step track label is not "t=0".</summary>
public sealed class FramePreviewTitleTests
{
    [Fact]
    public void ATrackLabelOfASequenceIsTitledAsATrackMapOfAllSteps()
    {
        var frame = new Frame(new float[3 * 8 * 8], [3, 8, 8], new float[16 * 16], [16, 16], "seq", 2);
        var titles = FramePreview.Titles(frame);
        Assert.Equal(["seq #2 data t=0", "seq #2 data t=1", "seq #2 data t=2", "seq #2 label (track map, all steps)"], titles);
    }

    [Fact]
    public void APerStepLabelKeepsItsTimeSteps()
    {
        var frame = new Frame(new float[2 * 8 * 8], [2, 8, 8], new float[2 * 16 * 16], [2, 16, 16], "seq", 0);
        Assert.Equal(["seq #0 data t=0", "seq #0 data t=1", "seq #0 label t=0", "seq #0 label t=1"], FramePreview.Titles(frame));
    }

    [Fact]
    public void AStaticFrameHasNoTimeInItsTitles()
    {
        var frame = new Frame(new float[64], [8, 8], new float[64], [8, 8], "still", 1);
        Assert.Equal(["still #1 data", "still #1 label"], FramePreview.Titles(frame));
    }
}
