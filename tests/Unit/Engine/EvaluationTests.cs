using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Evaluation;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Simulation;
using Xunit;

namespace DataPipeline.Tests.Engine;

/// <summary>Detection, matching and metrics on hand-made frames whose answers are known.</summary>
public class EvaluationTests
{
    private const int Size = 16;

    private static EvaluationSettings Settings(double tolerance = 1.0, RefineMode refine = RefineMode.None, int window = 5) =>
        new() { Threshold = 0.5, WindowPx = window, TolerancePx = tolerance, Refine = refine };

    /// <summary>A 2-D frame at size ratio 1 whose prediction has a Gaussian peak at each given pixel.</summary>
    private static Frame FrameWith(PointPx[] truths, PointPx[] peaks, double amplitude = 1.0)
    {
        var positions = truths.Select((p, i) => new ScattererPosition(0, i, p.Row, p.Column, true)).ToList();
        var label = new float[Size * Size];
        var prediction = new float[Size * Size];
        foreach (var p in peaks) GaussianSplat.Draw(prediction, 0, Size, Size, p.Row, p.Column, 1.0, amplitude, PsfCombine.Max);
        return new Frame(new float[Size * Size], [Size, Size], label, [Size, Size], "test", 0, positions).WithPrediction(prediction);
    }

    private static EvaluationResult Evaluate(EvaluationSettings settings, params Frame[] frames)
    {
        var evaluator = new LocalisationEvaluator(settings);
        foreach (var frame in frames) evaluator.Add(frame);
        return evaluator.Result();
    }

    [Fact]
    public void ExactHitsAreTruePositivesWithNoError()
    {
        PointPx[] truths = [new(4, 4), new(10, 12)];
        var result = Evaluate(Settings(), FrameWith(truths, truths));
        Assert.Equal((2, 0, 0), (result.TruePositives, result.FalsePositives, result.FalseNegatives));
        Assert.Equal((1.0, 1.0, 1.0, 1.0), (result.Precision, result.Recall, result.F1, result.Jaccard));
        Assert.Equal(0.0, result.RmsePx);
    }

    [Fact]
    public void AMissAndAFalsePositiveAreCounted()
    {
        var result = Evaluate(Settings(), FrameWith([new(4, 4), new(10, 12)], [new(4, 4), new(12, 3)]));
        Assert.Equal((1, 1, 1), (result.TruePositives, result.FalsePositives, result.FalseNegatives));
        Assert.Equal(0.5, result.Precision);
        Assert.Equal(0.5, result.Recall);
        Assert.Equal(0.5, result.F1);
        Assert.Equal(1.0 / 3, result.Jaccard, 12);
    }

    [Fact]
    public void TwoDetectionsCompetingForOneTruthMatchOnlyTheCloser()
    {
        var result = Evaluate(Settings(tolerance: 3), FrameWith([new(8, 8)], [new(8, 5), new(8, 9)]));
        Assert.Equal((1, 1, 0), (result.TruePositives, result.FalsePositives, result.FalseNegatives));
        var step = Assert.Single(Assert.Single(result.Frames).Steps);
        var match = Assert.Single(step.Matches);
        Assert.Equal(new PointPx(8, 9), step.Detections[match.Detection].Position);
        Assert.Equal(1.0, result.RmsePx);
    }

    // The original counted a detection as a hit when one of its coordinates equalled a scatterer's.
    [Theory]
    [InlineData(5, 13)]
    [InlineData(13, 5)]
    public void SharingOneCoordinateWithAScattererIsNotAMatch(double row, double column)
    {
        var result = Evaluate(Settings(), FrameWith([new(5, 5)], [new(row, column)]));
        Assert.Equal((0, 1, 1), (result.TruePositives, result.FalsePositives, result.FalseNegatives));
        Assert.Equal(0.0, result.Precision);
        Assert.True(double.IsNaN(result.RmsePx));
    }

    [Fact]
    public void OptimalAssignmentMatchesMoreThanGreedyNearestFirst()
    {
        // Greedy takes the closest pair first, D1-T2 (0.9), and leaves D2 with nothing in reach:
        // one match. The optimal matching pairs D1-T1 (1.1) and D2-T2 (0.95): two.
        PointPx[] truths = [new(0, 0), new(0, 2)];
        PointPx[] detections = [new(0, 1.1), new(0, 2.95)];
        var matches = PositionMatcher.Match(detections, truths, 1.2);
        Assert.Equal(2, matches.Count);
        Assert.Equal((0, 0), (matches[0].Detection, matches[0].Truth));
        Assert.Equal((1, 1), (matches[1].Detection, matches[1].Truth));
        Assert.Equal(1.1, matches[0].DistancePx, 12);
    }

    [Fact]
    public void AmongFullMatchingsTheSmallestSquaredErrorWins()
    {
        // Both pairings match both truths; the crossed one has the larger squared error.
        PointPx[] truths = [new(0, 0), new(0, 1)];
        PointPx[] detections = [new(0, 0.1), new(0, 0.9)];
        var matches = PositionMatcher.Match(detections, truths, 2);
        Assert.Equal([0, 1], matches.Select(m => m.Truth));
    }

    [Fact]
    public void AClusterTooLargeToMatchOptimallyIsRefusedAndTheFrameLeavesNoCounts()
    {
        // Every pixel of a 64x64 map is a detection (window 1) within reach of each of 1000 truths:
        // 4.1 million candidate pairs in one cluster, over the cap.
        const int side = 64;
        var positions = Enumerable.Range(0, 1000).Select(i => new ScattererPosition(0, i, i % side, i / side, true)).ToList();
        var prediction = Enumerable.Repeat(1f, side * side).ToArray();
        var frame = new Frame(new float[side * side], [side, side], null, null, "dense", 0, positions).WithPrediction(prediction);
        var evaluator = new LocalisationEvaluator(new EvaluationSettings { WindowPx = 1, TolerancePx = 1000, Refine = RefineMode.None });
        var e = Assert.Throws<InvalidOperationException>(() => evaluator.Add(frame));
        Assert.Contains("4096 detections and 1000 true positions", e.Message);
        var result = evaluator.Result();
        Assert.Equal(0, result.FrameCount);
        Assert.All(result.Sweep, p => Assert.Equal(default, p.Counts));
    }

    [Fact]
    public void AssignmentSolverFindsTheBruteForceOptimum()
    {
        var random = new Random(5);
        for (int trial = 0; trial < 50; trial++)
        {
            int rows = random.Next(1, 5), columns = random.Next(rows, 7);
            var cost = new double[rows, columns];
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < columns; c++)
                    cost[r, c] = random.Next(0, 20);
            int[] assignment = AssignmentSolver.Solve(cost);
            Assert.Equal(rows, assignment.Distinct().Count());
            double total = Enumerable.Range(0, rows).Sum(r => cost[r, assignment[r]]);
            Assert.Equal(BruteForce(cost, 0, new bool[columns]), total);
        }
    }

    private static double BruteForce(double[,] cost, int row, bool[] used)
    {
        if (row == cost.GetLength(0)) return 0;
        double best = double.PositiveInfinity;
        for (int c = 0; c < cost.GetLength(1); c++)
        {
            if (used[c]) continue;
            used[c] = true;
            best = Math.Min(best, cost[row, c] + BruteForce(cost, row + 1, used));
            used[c] = false;
        }
        return best;
    }

    [Fact]
    public void RmseIsTheRootMeanSquareOfMatchedDistances()
    {
        // Distances 0.3, 0.4 and 0: sqrt((0.09 + 0.16 + 0) / 3).
        var frame = FrameWith([new(4.3, 4), new(10, 10.4), new(5, 12)], [new(4, 4), new(10, 10), new(5, 12)]);
        var result = Evaluate(Settings(), frame);
        Assert.Equal(3, result.TruePositives);
        Assert.Equal(Math.Sqrt(0.25 / 3), result.RmsePx, 9);
    }

    [Fact]
    public void RmseInWavelengthsScalesThePixelRmseByThePitchAndRefusesABadPitch()
    {
        // One match 0.4 px off; at 0.25 λ per pixel that is 0.1 λ (PALA reports RMSE in λ).
        var frame = FrameWith([new(10, 10.4)], [new(10, 10)]);
        var result = Evaluate(Settings(), frame);
        Assert.Equal(0.1, result.RmseIn(0.25), 9);
        Assert.Equal(0.1, result.Frames[0].RmseIn(0.25), 9);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => result.RmseIn(0));
        Assert.Contains("wavelengths", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => result.RmseIn(double.NaN));
    }

    [Fact]
    public void CentroidRefinementRecoversAnOffGridGaussian()
    {
        const int height = 24, width = 28;
        var map = new float[height * width];
        GaussianSplat.Draw(map, 0, height, width, 10.3, 12.7, 1.5, 1.0, PsfCombine.Max);
        var refined = Assert.Single(PeakDetector.Find(map, height, width, 7, RefineMode.Centroid, 0.5));
        Assert.InRange(refined.Position.Row, 10.25, 10.35);
        Assert.InRange(refined.Position.Column, 12.65, 12.75);
        var pixel = Assert.Single(PeakDetector.Find(map, height, width, 7, RefineMode.None, 0.5));
        Assert.Equal(new PointPx(10, 13), pixel.Position);
    }

    [Fact]
    public void DetectionsAreConvertedFromLabelPixelsToDataPixels()
    {
        // Ratio 2: a scatterer at data (5.9, 8.65) is drawn at label ((5.9 + 0.5) * 2 - 0.5, ...) = (12.3, 17.8).
        const int ratio = 2, labelSize = Size * ratio;
        var truth = new ScattererPosition(0, 0, 5.9, 8.65, true);
        var prediction = new float[labelSize * labelSize];
        GaussianSplat.Draw(prediction, 0, labelSize, labelSize, 12.3, 17.8, 1.5, 1.0, PsfCombine.Max);
        var frame = new Frame(new float[Size * Size], [Size, Size], new float[labelSize * labelSize], [labelSize, labelSize],
            "test", 0, [truth]).WithPrediction(prediction);
        var result = Evaluate(Settings(tolerance: 0.5, refine: RefineMode.Centroid, window: 7), frame);
        Assert.Equal(1, result.TruePositives);
        Assert.True(result.RmsePx < 0.05, $"RMSE {result.RmsePx} px");
        var detection = Assert.Single(result.Frames[0].Steps[0].Detections);
        Assert.InRange(detection.Position.Row, 5.85, 5.95);
        Assert.InRange(detection.Position.Column, 8.6, 8.7);
    }

    [Fact]
    public void APlateauIsOneDetection()
    {
        var map = new float[Size * Size];
        map[5 * Size + 5] = map[5 * Size + 6] = map[6 * Size + 5] = map[6 * Size + 6] = 1;
        Assert.Single(PeakDetector.Find(map, Size, Size, 3, RefineMode.None, 0.5));
    }

    [Fact]
    public void SequencesAreScoredPerTimeStep()
    {
        // Step 0: the scatterer is found. Step 1: it moved and the prediction did not follow.
        int plane = Size * Size;
        var prediction = new float[2 * plane];
        GaussianSplat.Draw(prediction, 0, Size, Size, 4, 4, 1.0, 1.0, PsfCombine.Max);
        GaussianSplat.Draw(prediction, plane, Size, Size, 4, 4, 1.0, 1.0, PsfCombine.Max);
        ScattererPosition[] positions = [new(0, 0, 4, 4, true), new(1, 0, 4, 9, false)];
        var frame = new Frame(new float[2 * plane], [2, Size, Size], new float[2 * plane], [2, Size, Size], "seq", 3, positions)
            .WithPrediction(prediction);
        var result = Evaluate(Settings(), frame);
        var steps = result.Frames[0].Steps;
        Assert.Equal((1, 0, 0), (steps[0].TruePositives, steps[0].FalsePositives, steps[0].FalseNegatives));
        Assert.Equal((0, 1, 1), (steps[1].TruePositives, steps[1].FalsePositives, steps[1].FalseNegatives));
        Assert.Equal((1, 1, 1), (result.Frames[0].TruePositives, result.Frames[0].FalsePositives, result.Frames[0].FalseNegatives));
        Assert.Equal(3, result.Frames[0].Index);
    }

    /// <summary>A frame at ratio 1 whose label is 1 at the positive pixels and 0 elsewhere.</summary>
    private static Frame PixelFrame(bool[] positive, float[] prediction, int height, int width)
    {
        var label = positive.Select(p => p ? 1f : 0f).ToArray();
        return new Frame(new float[height * width], [height, width], label, [height, width], "pixels", 0, [])
            .WithPrediction(prediction);
    }

    [Fact]
    public void RocAreaIsTheShareOfCorrectlyRankedPixelPairs()
    {
        // Positives 0.9 and 0.4, negatives 0.6 and 0.1: 3 of the 4 pairs are ranked right.
        var result = Evaluate(Settings(), PixelFrame([true, true, false, false], [0.9f, 0.4f, 0.6f, 0.1f], 2, 2));
        Assert.Equal(0.75, result.RocAuc, 12);
        Assert.Equal(new PixelConfusion(0.5, 1, 1, 1, 1), result.Pixels);
    }

    [Fact]
    public void APerfectMapHasRocAreaOneAndTheSweepFindsItsThreshold()
    {
        var random = new Random(3);
        var positive = Enumerable.Range(0, 400).Select(_ => random.NextDouble() < 0.2).ToArray();
        var prediction = positive.Select(p => p ? 0.7f : 0.2f).ToArray();
        var result = Evaluate(Settings(), PixelFrame(positive, prediction, 20, 20));
        Assert.Equal(1.0, result.RocAuc, 12);
        Assert.Equal(1.0, result.Pixels!.F1);
        // Every threshold above 0.2 and up to 0.7 separates the classes; the sweep reports the lowest.
        Assert.Equal(0.201, result.BestPixelThreshold, 12);
        Assert.Equal(PixelHistogram.Bins + 1, result.RocCurve.Count);
        Assert.Equal((1.0, 1.0), (result.RocCurve[0].TruePositiveRate, result.RocCurve[0].FalsePositiveRate));
    }

    [Fact]
    public void ARandomMapHasRocAreaNearOneHalf()
    {
        var random = new Random(8);
        var positive = Enumerable.Range(0, 100 * 100).Select(_ => random.NextDouble() < 0.5).ToArray();
        var prediction = positive.Select(_ => (float)random.NextDouble()).ToArray();
        var result = Evaluate(Settings(), PixelFrame(positive, prediction, 100, 100));
        Assert.InRange(result.RocAuc, 0.47, 0.53);
    }

    [Fact]
    public void LocalisationSweepPicksTheThresholdThatDropsFaintFalsePeaks()
    {
        // Three true scatterers predicted at 0.8, two spurious peaks at 0.3: any threshold in
        // (0.3, 0.8] gives F1 = 1, lower ones admit the false peaks, higher ones lose everything.
        var frame = FrameWith([new(3, 3), new(3, 12), new(12, 3)], [new(3, 3), new(3, 12), new(12, 3)], 0.8);
        var spurious = (float[])frame.Prediction!.Clone();
        GaussianSplat.Draw(spurious, 0, Size, Size, 12, 12, 1.0, 0.3, PsfCombine.Max);
        GaussianSplat.Draw(spurious, 0, Size, Size, 8, 8, 1.0, 0.3, PsfCombine.Max);
        var result = Evaluate(Settings(), frame.WithPrediction(spurious));
        Assert.Equal(0.35, result.BestThreshold, 12);
        Assert.Equal(0.75, result.Sweep.Single(p => Math.Abs(p.Threshold - 0.3) < 1e-9).F1);
        Assert.True(double.IsNaN(result.Sweep[^1].Precision));
        Assert.Equal(1.0, result.F1);
    }

    [Fact]
    public void TruthCanComeFromTheLabelMap()
    {
        var label = new float[Size * Size];
        GaussianSplat.Draw(label, 0, Size, Size, 4, 4, 1.0, 1.0, PsfCombine.Max);
        GaussianSplat.Draw(label, 0, Size, Size, 11, 9, 1.0, 1.0, PsfCombine.Max);
        var frame = new Frame(new float[Size * Size], [Size, Size], label, [Size, Size], "mat", 0).WithPrediction(label);
        Assert.Throws<ArgumentException>(() => new LocalisationEvaluator(Settings()).Add(frame));
        var evaluator = new LocalisationEvaluator(Settings(), TruthSource.Label);
        evaluator.Add(frame);
        Assert.Equal((2, 0, 0), (evaluator.Result().TruePositives, evaluator.Result().FalsePositives, evaluator.Result().FalseNegatives));
    }

    [Fact]
    public void AFrameWithoutPredictionIsRejectedByName()
    {
        var frame = new Frame(new float[Size * Size], [Size, Size], null, null, "plain.mat", 7, []);
        var e = Assert.Throws<ArgumentException>(() => new LocalisationEvaluator(Settings()).Add(frame));
        Assert.Contains("plain.mat#7", e.Message);
    }

    [Fact]
    public void AnEvenWindowIsRejected()
    {
        Assert.Throws<ArgumentException>(() => new LocalisationEvaluator(Settings(window: 4)));
        Assert.Throws<ConfigException>(() => ConfigLoader.Parse("[evaluation]\nwindow_px = 4\n", "cfg.toml"));
        var config = ConfigLoader.Parse("[evaluation]\nwindow_px = 7\ntolerance_px = 0.5\nrefine = \"none\"\n", "cfg.toml");
        Assert.Equal((7, 0.5, RefineMode.None), (config.Evaluation.WindowPx, config.Evaluation.TolerancePx, config.Evaluation.Refine));
    }

    [Fact]
    public void ALabelUsedAsPredictionLocalisesSimulatedScatterersClosely()
    {
        var settings = new SimulationSettings { Size = 32, SizeRatio = 2, Scatterers = new(1, 3), Seed = 21 };
        var evaluator = new LocalisationEvaluator(new EvaluationSettings());
        foreach (var frame in new ScattererSimulator(settings).Generate(0, 20))
            evaluator.Add(frame.WithPrediction(frame.Label!));
        var result = evaluator.Result();
        Assert.Equal(20, result.FrameCount);
        Assert.True(result.Recall > 0.9, $"recall {result.Recall}");
        Assert.True(result.Precision > 0.9, $"precision {result.Precision}");
        // Blobs cut by the frame's edge cannot be centred exactly; the typical error is what the
        // refinement promises, the few edge cases keep the RMSE under 0.1 px.
        var errors = result.Frames.SelectMany(f => f.Steps).SelectMany(s => s.Matches).Select(m => m.DistancePx).Order().ToList();
        Assert.True(errors[errors.Count / 2] < 0.05, $"median error {errors[errors.Count / 2]} px");
        Assert.True(result.RmsePx < 0.1, $"RMSE {result.RmsePx} px");
        Assert.Equal(1.0, result.RocAuc, 6);
    }
}
