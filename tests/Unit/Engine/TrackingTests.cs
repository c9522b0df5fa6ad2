using DataPipeline.Engine.Evaluation;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Tracking;
using Xunit;

namespace DataPipeline.Tests.Engine;

/// <summary>Linking hand-made localisations into tracks, and the linking measures on hand-made tracks.</summary>
public class TrackingTests
{
    private static TrackingSettings Settings(double distance = 2, int gap = 1, int minLength = 2) =>
        new() { MaxLinkingDistancePx = distance, MaxGapSteps = gap, MinLength = minLength };

    private static List<Track> Link(TrackingSettings settings, params PointPx[][] steps) =>
        SequenceLocalisations.Link(steps, settings, "hand", 0);

    private static (int Step, double Row, double Column)[] StepsOf(Track track) =>
        track.Points.Select(p => (p.Step, p.Row, p.Column)).ToArray();

    [Fact]
    public void TwoParallelScatterersGiveTwoTracksWithTheirVelocity()
    {
        var steps = Enumerable.Range(0, 5).Select(t => new PointPx[] { new(8, 3 + t), new(2, 2 + t) }).ToArray();
        var tracks = Link(Settings(), steps);
        Assert.Equal(2, tracks.Count);
        // Numbered in order of first appearance: the first point of step 0 starts track 0.
        Assert.Equal(Enumerable.Range(0, 5).Select(t => (t, 8.0, 3.0 + t)), StepsOf(tracks[0]));
        Assert.Equal(Enumerable.Range(0, 5).Select(t => (t, 2.0, 2.0 + t)), StepsOf(tracks[1]));
        Assert.All(tracks.SelectMany(t => t.Points), p => Assert.Equal((1.0, 90.0), (p.Speed, p.Direction)));
    }

    [Fact]
    public void MakesAsManyLinksAsItCanWhereTheNearestPairingWouldLoseOne()
    {
        // Greedy nearest-first takes Y-P (0.6 px) and leaves X with only Q, 2.6 px away, beyond reach.
        // The optimal assignment links X-P (0.9) and Y-Q (1.1).
        var tracks = Link(Settings(gap: 0),
            [new(0, 0), new(0, 1.5)],
            [new(0, 0.9), new(0, 2.6)]);
        Assert.Equal(2, tracks.Count);
        Assert.Equal([(0, 0.0, 0.0), (1, 0.0, 0.9)], StepsOf(tracks[0]));
        Assert.Equal([(0, 0.0, 1.5), (1, 0.0, 2.6)], StepsOf(tracks[1]));
    }

    [Fact]
    public void AmongFullAssignmentsTakesTheSmallestSquaredDistance()
    {
        // Both pairings link both tracks; the crossing one costs 1.0² + 1.0² = 2 against 0.1² + 0.1².
        var tracks = Link(Settings(),
            [new(0, 0), new(0, 1)],
            [new(0, 0.9), new(0, 0.1)]);
        Assert.Equal([(0, 0.0, 0.0), (1, 0.0, 0.1)], StepsOf(tracks[0]));
        Assert.Equal([(0, 0.0, 1.0), (1, 0.0, 0.9)], StepsOf(tracks[1]));
    }

    [Fact]
    public void ClosesAGapOfOneMissedStepAndDividesTheVelocityByTheStepsElapsed()
    {
        PointPx[][] steps = [[new(5, 0)], [new(5, 1)], [], [new(5, 3)], [new(5, 4)]];
        var tracks = Link(Settings(gap: 1), steps);
        var track = Assert.Single(tracks);
        Assert.Equal([(0, 5.0, 0.0), (1, 5.0, 1.0), (3, 5.0, 3.0), (4, 5.0, 4.0)], StepsOf(track));
        // Point at step 1: neighbours at steps 0 and 3, (3 − 0) px over 3 steps.
        Assert.Equal(1.0, track.Points[1].Speed, 12);
        Assert.Equal(1.0, track.Points[2].Speed, 12);
    }

    [Fact]
    public void WithoutGapClosingAMissedStepSplitsTheTrack()
    {
        PointPx[][] steps = [[new(5, 0)], [new(5, 1)], [], [new(5, 3)], [new(5, 4)]];
        var tracks = Link(Settings(gap: 0), steps);
        Assert.Equal(2, tracks.Count);
        Assert.Equal([(0, 5.0, 0.0), (1, 5.0, 1.0)], StepsOf(tracks[0]));
        Assert.Equal([(3, 5.0, 3.0), (4, 5.0, 4.0)], StepsOf(tracks[1]));
    }

    [Fact]
    public void AGapLongerThanAllowedSplitsTheTrack()
    {
        PointPx[][] steps = [[new(5, 0)], [], [], [new(5, 1.5)]];
        Assert.Single(Link(Settings(gap: 2, minLength: 1), steps));
        Assert.Equal(2, Link(Settings(gap: 1, minLength: 1), steps).Count);
    }

    [Fact]
    public void ReachGrowsWithTheStepsMissed()
    {
        // 1.5 px per step: 3 px over the gap, within 2 x 2 px but beyond 2 px.
        PointPx[][] steps = [[new(0, 0)], [new(0, 1.5)], [], [new(0, 4.5)]];
        var track = Assert.Single(Link(Settings(distance: 2, gap: 1), steps));
        Assert.Equal(3, track.Length);
    }

    [Fact]
    public void AJumpBeyondTheLinkingDistanceStartsANewTrack()
    {
        var tracks = Link(Settings(distance: 2, gap: 0, minLength: 1), [new(0, 0)], [new(0, 2.5)]);
        Assert.Equal(2, tracks.Count);
        var linked = Assert.Single(Link(Settings(distance: 2.5, gap: 0, minLength: 1), [new(0, 0)], [new(0, 2.5)]));
        Assert.Equal(2.5, linked.Points[1].Speed, 12);
    }

    [Fact]
    public void TracksShorterThanTheMinimumLengthAreDropped()
    {
        PointPx[][] steps = [[new(0, 0), new(9, 9)], [new(0, 1)], [new(0, 2)]];
        var tracks = Link(Settings(minLength: 2), steps);
        Assert.Equal(3, Assert.Single(tracks).Length);
        Assert.Equal(0, tracks[0].Id);
        Assert.Empty(Link(Settings(minLength: 4), steps));
        Assert.Equal(2, Link(Settings(minLength: 1), steps).Count);
    }

    [Fact]
    public void VelocityByCentralDifferencesWithOneSidedEnds()
    {
        var track = Track.FromPositions(0, "hand", 0, [(0, 0.0, 0.0), (1, 1.0, 0.0), (2, 3.0, 0.0), (3, 3.0, -2.0)]);
        Assert.Equal([1.0, 1.5, Math.Sqrt(2), 2.0], track.Points.Select(p => p.Speed));
        Assert.Equal(0.0, track.Points[0].Direction);
        Assert.Equal(-90.0, track.Points[3].Direction);
        // Point 2: (3 − 1, −2 − 0) over the 2 steps between its neighbours.
        Assert.Equal(-45.0, track.Points[2].Direction, 12);
        var single = Track.FromPositions(0, "hand", 0, [(4, 1.0, 1.0)]);
        Assert.Equal(0.0, single.Points[0].Speed);
        Assert.True(double.IsNaN(single.Points[0].Direction));
    }

    [Fact]
    public void RefusesSettingsOutOfRangeAndStepsOutOfOrder()
    {
        Assert.Throws<ArgumentException>(() => new TrackLinker(Settings(distance: 0)));
        Assert.Throws<ArgumentException>(() => new TrackLinker(Settings(gap: -1)));
        Assert.Throws<ArgumentException>(() => new TrackLinker(Settings(minLength: 0)));
        var linker = new TrackLinker(Settings());
        linker.AddStep(3, []);
        Assert.Throws<ArgumentException>(() => linker.AddStep(3, []));
    }

    [Fact]
    public void TrueTracksOfASimulatedFrameFollowEachScatterer()
    {
        ScattererPosition[] positions =
        [
            new(0, 0, 1, 1, true), new(0, 1, 6, 6, true),
            new(1, 0, 1, 2, false), new(1, 1, 6, 7, true),
            new(2, 1, 6, 8, true),
        ];
        var frame = new Frame(new float[3 * 8 * 10], [3, 8, 10], null, null, "sim", 4, positions);
        var tracks = SequenceLocalisations.TrueTracks(frame);
        Assert.Equal(2, tracks.Count);
        Assert.Equal([(0, 1.0, 1.0), (1, 1.0, 2.0)], StepsOf(tracks[0]));
        Assert.Equal([(0, 6.0, 6.0), (1, 6.0, 7.0), (2, 6.0, 8.0)], StepsOf(tracks[1]));
        Assert.Equal((8, 10, "sim", 4), (tracks[1].Height!.Value, tracks[1].Width!.Value, tracks[1].Source, tracks[1].Index));
    }

    // Two true tracks along rows 2 and 8, one column per step for steps 0..3.
    private static List<Track> TwoTrueTracks() =>
    [
        Track.FromPositions(0, "hand", 0, [(0, 2.0, 0.0), (1, 2.0, 1.0), (2, 2.0, 2.0), (3, 2.0, 3.0)]),
        Track.FromPositions(1, "hand", 0, [(0, 8.0, 0.0), (1, 8.0, 1.0), (2, 8.0, 2.0), (3, 8.0, 3.0)]),
    ];

    [Fact]
    public void APerfectEstimateScoresOneEverywhere()
    {
        var evaluator = new LinkingEvaluator(1.0);
        var score = evaluator.Add("hand", 0, TwoTrueTracks(), TwoTrueTracks());
        Assert.Equal((1.0, 0.0, 1.0, 1.0, 1.0), (score.TrueLinkFraction, score.FalseLinkFraction, score.TrackJaccard, score.Alpha, score.Beta));
        Assert.Equal((6, 6, 2, 0, 0), (score.TrueLinks, score.EstimatedLinks, score.PairedTracks, score.MissedTracks, score.SpuriousTracks));
    }

    [Fact]
    public void ASwitchBetweenTracksScoresAsWorkedOutByHand()
    {
        // E0 follows the row-2 track for steps 0-2 and jumps to the row-8 track at step 3; E1 follows
        // the row-8 track for steps 0-2; E2 is the row-2 point at step 3 alone.
        List<Track> estimate =
        [
            Track.FromPositions(0, "hand", 0, [(0, 2.0, 0.0), (1, 2.0, 1.0), (2, 2.0, 2.0), (3, 8.0, 3.0)]),
            Track.FromPositions(1, "hand", 0, [(0, 8.0, 0.0), (1, 8.0, 1.0), (2, 8.0, 2.0)]),
            Track.FromPositions(2, "hand", 0, [(3, 2.0, 3.0)]),
        ];
        var score = new LinkingEvaluator(1.0).Add("hand", 0, TwoTrueTracks(), estimate);
        // True links 6: the two links into step 3 are lost. Estimated links 5: E0's jump is false.
        Assert.Equal(4.0 / 6, score.TrueLinkFraction, 12);
        Assert.Equal(1.0 / 5, score.FalseLinkFraction, 12);
        // Gated distances (ε = 1): T0-E0 = 1 (step 3 capped), T1-E1 = 1 (step 3 missing); dummies 4 each.
        // Pairing T0-E0 and T1-E1 costs 2; E2 (1 point) is spurious.
        Assert.Equal((2, 0, 1), (score.PairedTracks, score.MissedTracks, score.SpuriousTracks));
        Assert.Equal(2.0 / 3, score.TrackJaccard, 12);
        Assert.Equal(1 - 2.0 / 8, score.Alpha, 12);
        Assert.Equal((8.0 - 2) / (8 + 1), score.Beta, 12);
    }

    [Fact]
    public void AGapClosedOverAMissedDetectionIsACorrectLink()
    {
        // The estimate misses the row-2 point at step 2 and bridges it: links 0-1 and 1-3 are both
        // within one true track, but the true links 1-2 and 2-3 were not recovered.
        List<Track> estimate = [Track.FromPositions(0, "hand", 0, [(0, 2.0, 0.0), (1, 2.0, 1.0), (3, 2.0, 3.0)])];
        var truth = TwoTrueTracks().Take(1).ToList();
        var score = new LinkingEvaluator(1.0).Add("hand", 0, truth, estimate);
        Assert.Equal(0.0, score.FalseLinkFraction);
        Assert.Equal(1.0 / 3, score.TrueLinkFraction, 12);
        Assert.Equal(1 - 1.0 / 4, score.Alpha, 12);
    }

    [Fact]
    public void PoolsSequencesBySummingTheirCounts()
    {
        var evaluator = new LinkingEvaluator(1.0);
        evaluator.Add("hand", 0, TwoTrueTracks(), TwoTrueTracks());
        evaluator.Add("hand", 1, TwoTrueTracks(), []);
        var result = evaluator.Result();
        Assert.Equal(2, result.SequenceCount);
        Assert.Equal((12, 6, 4, 2), (result.TrueLinks, result.EstimatedLinks, result.TrueTracks, result.PairedTracks));
        Assert.Equal(0.5, result.TrueLinkFraction);
        Assert.Equal(0.5, result.TrackJaccard);
        Assert.Equal(0.5, result.Alpha, 12);
        Assert.Equal(0.0, result.Sequences[1].Alpha);
    }

    [Fact]
    public void LinkingTheTruePositionsOfWellSeparatedScatterersRecoversEveryLink()
    {
        // Two scatterers 1 px/step apart by 10 px: linking their true positions must give the truth back.
        var positions = Enumerable.Range(0, 8).SelectMany(t => new ScattererPosition[] { new(t, 0, 3, 1 + t, true), new(t, 1, 13, 10 - t, t != 4) }).ToList();
        var frame = new Frame(new float[8 * 16 * 16], [8, 16, 16], null, null, "sim", 0, positions);
        var truth = SequenceLocalisations.TrueTracks(frame);
        var steps = SequenceLocalisations.Of(frame, LocalisationOrigin.Positions, new());
        var estimate = SequenceLocalisations.Link(steps, Settings(distance: 1.5), frame.Source, frame.Index);
        var score = new LinkingEvaluator(0.5).Add("sim", 0, truth, estimate);
        Assert.Equal((1.0, 0.0, 1.0), (score.TrueLinkFraction, score.FalseLinkFraction, score.TrackJaccard));
    }
}
