using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Evaluation.Localisers;
using DataPipeline.Engine.Frames;

namespace DataPipeline.Engine.Evaluation;

/// <summary>
/// Scores predictions as the ultrasound localisation microscopy literature does: detect peaks in
/// each prediction plane, convert them to data pixels, match them one-to-one to the true positions
/// within a tolerance, and count. Frames are added one at a time (they stream from the pipeline);
/// <see cref="Result"/> pools everything added so far. Memory grows only with the per-frame details.
/// A track map (one 2-D prediction for a [T, H, W] sequence, from a temporal head) has no points to
/// match with each step's positions: it is scored pixel-wise against its label only (Pixels, RocAuc).
/// </summary>
public sealed class LocalisationEvaluator
{
    /// <summary>Detection thresholds of the localisation sweep: 0.05, 0.10, ..., 0.95.</summary>
    public static IReadOnlyList<double> SweepThresholds { get; } = Enumerable.Range(1, 19).Select(k => k / 20.0).ToArray();

    private readonly EvaluationSettings _settings;
    private readonly TruthSource _truth;
    private readonly LocalisationMethod _method;
    private readonly List<FrameEvaluation> _frames = [];
    private readonly LocalisationCounts[] _sweep = new LocalisationCounts[SweepThresholds.Count];
    private readonly PixelHistogram _histogram = new();
    private long _pixelTruePositives, _pixelFalsePositives, _pixelFalseNegatives, _pixelTrueNegatives;

    /// <param name="method">UNet scores the frames' predictions; the classical localisers find their own detections in the data frames.</param>
    public LocalisationEvaluator(EvaluationSettings settings, TruthSource truth = TruthSource.Positions,
        LocalisationMethod method = LocalisationMethod.UNet)
    {
        if (!(settings.Threshold is >= 0 and <= 1))
            throw new ArgumentException($"The threshold must be in [0, 1]; got {settings.Threshold}.", nameof(settings));
        if (settings.WindowPx < 1 || settings.WindowPx % 2 == 0)
            throw new ArgumentException($"The window must be a positive odd number of pixels, so it has a centre; got {settings.WindowPx}.", nameof(settings));
        if (!(settings.TolerancePx >= 0) || double.IsInfinity(settings.TolerancePx))
            throw new ArgumentException($"The tolerance must be a finite number of pixels, 0 or more; got {settings.TolerancePx}.", nameof(settings));
        // A private copy: the caller's settings object may change while frames are still coming.
        _settings = new EvaluationSettings
        {
            Threshold = settings.Threshold,
            WindowPx = settings.WindowPx,
            TolerancePx = settings.TolerancePx,
            Refine = settings.Refine,
        };
        _truth = truth;
        _method = method;
    }

    /// <summary>Scores one frame and keeps its counts for <see cref="Result"/>.</summary>
    /// <exception cref="ArgumentException">The frame has no prediction, or nothing to take the truth from.</exception>
    public FrameEvaluation Add(Frame frame)
    {
        float[]? prediction = frame.Prediction;
        if (_method == LocalisationMethod.UNet && prediction is null)
            throw new ArgumentException($"Frame {frame} carries no prediction; run Invoke-UNetPrediction on it or attach one with WithPrediction, or score a classical localiser (-Method).");
        CheckTruth(frame);

        var grid = new MapGrid(frame);
        // Detections at a higher threshold are a subset of those at a lower one (a pixel's being the
        // window maximum does not depend on the threshold), so one search serves the threshold and
        // the whole sweep.
        double floor = Math.Min(_settings.Threshold, SweepThresholds[0]);
        var steps = new List<StepEvaluation>(frame.TimeSteps);
        // Kept apart until the frame is done, so a frame that fails half-way leaves no counts behind.
        var sweep = new LocalisationCounts[SweepThresholds.Count];
        bool trackMap = _method == LocalisationMethod.UNet && frame.PredictionShape is { Length: 2 } && frame.Shape.Length == 3;
        for (int t = 0; t < (trackMap ? 0 : frame.TimeSteps); t++)
        {
            var candidates = _method == LocalisationMethod.UNet
                ? Detect(new ReadOnlySpan<float>(prediction!, t * grid.PlaneSize, grid.PlaneSize), grid, floor)
                : DetectInData(frame, t, floor);
            var truths = TruthsAt(frame, grid, t);
            for (int k = 0; k < SweepThresholds.Count; k++)
                sweep[k] += Score(candidates, truths, SweepThresholds[k]);

            var detections = candidates.Where(p => p.Value >= _settings.Threshold).ToList();
            var matches = PositionMatcher.Match(detections.ConvertAll(p => p.Position), truths, _settings.TolerancePx);
            steps.Add(new StepEvaluation(t, detections, truths, matches));
        }
        for (int k = 0; k < sweep.Length; k++) _sweep[k] += sweep[k];
        // Pixel-wise scores compare a probability map with the label; classical localisers make none.
        if (frame.Label is not null && _method == LocalisationMethod.UNet) CountPixels(prediction!, frame.Label);

        var evaluation = new FrameEvaluation(frame.Source, frame.Index, steps);
        _frames.Add(evaluation);
        return evaluation;
    }

    /// <summary>Throws when <paramref name="frame"/> lacks what the truth is taken from, so it can be refused before it is predicted.</summary>
    /// <exception cref="ArgumentException">No known positions (Positions), or no label map (Label).</exception>
    public void CheckTruth(Frame frame)
    {
        if (_truth == TruthSource.Positions && frame.Positions is null)
            throw new ArgumentException($"Frame {frame} has no known scatterer positions; take the truth from its label map instead (-Truth Label).");
        if (_truth == TruthSource.Label && frame.Label is null)
            throw new ArgumentException($"Frame {frame} has no label map to take the true positions from.");
        if (_truth == TruthSource.Label && frame.LabelsSequence)
            throw new ArgumentException($"Frame {frame} has one track label for its whole sequence, not a map per step to take the true positions from; take the truth from its positions (-Truth Positions).");
    }

    public EvaluationResult Result()
    {
        bool anyPixels = !_histogram.IsEmpty;
        var pixels = anyPixels
            ? new PixelConfusion(_settings.Threshold, _pixelTruePositives, _pixelFalsePositives, _pixelFalseNegatives, _pixelTrueNegatives)
            : null;
        var sweep = SweepThresholds.Select((threshold, k) => new SweepPoint(threshold, _sweep[k])).ToList();
        return new EvaluationResult(_settings, _truth, _frames.ToList(), sweep, pixels,
            anyPixels ? _histogram.Curve() : [], _histogram.Auc()) { Method = _method };
    }

    private List<MapPeak> Detect(ReadOnlySpan<float> plane, MapGrid grid, double minValue) =>
        PeakDetector.Find(plane, grid.Height, grid.Width, _settings.WindowPx, _settings.Refine, minValue).ConvertAll(grid.ToData);

    /// <summary>
    /// A classical localiser's detections at one step: local maxima of the data plane whose value,
    /// as a fraction of the plane's largest, reaches <paramref name="minValue"/> (so thresholds mean
    /// the same whatever the data's scale), refined on the window around each. The fraction is the
    /// detection's value.
    /// </summary>
    /// <summary>The magnitude over the channels at one step: IQ frames are localised on their envelope, not on I alone.</summary>
    private static float[] Magnitude(Frame frame, int step)
    {
        int size = frame.Height * frame.Width, channelValues = frame.Data.Length / frame.Channels;
        var magnitude = new float[size];
        for (int i = 0; i < size; i++)
        {
            double sum = 0;
            for (int c = 0; c < frame.Channels; c++)
            {
                double v = frame.Data[c * channelValues + step * size + i];
                sum += v * v;
            }
            magnitude[i] = (float)Math.Sqrt(sum);
        }
        return magnitude;
    }

    private List<MapPeak> DetectInData(Frame frame, int step, double minValue)
    {
        int height = frame.Height, width = frame.Width, size = height * width;
        var plane = frame.Channels == 1 ? new ReadOnlySpan<float>(frame.Data, step * size, size) : Magnitude(frame, step);
        float max = 0;
        foreach (float v in plane) max = Math.Max(max, v);
        if (!(max > 0)) return [];
        var relative = new float[size];
        for (int i = 0; i < size; i++) relative[i] = plane[i] / max;
        var peaks = PeakDetector.Find(relative, height, width, _settings.WindowPx, RefineMode.None, minValue);
        var located = new List<MapPeak>(peaks.Count);
        foreach (var peak in peaks)
        {
            var position = SubpixelLocaliser.Locate(_method, plane, height, width, (int)peak.Position.Row, (int)peak.Position.Column, _settings.WindowPx / 2);
            located.Add(new MapPeak(position, peak.Value));
        }
        return located;
    }

    // Every position at the step counts, including scatterers dropped from the data there (InData
    // false): the label, which the model is trained to reproduce, still holds them.
    private List<PointPx> TruthsAt(Frame frame, MapGrid grid, int step)
    {
        if (_truth == TruthSource.Label)
        {
            var label = new ReadOnlySpan<float>(frame.Label!, step * grid.PlaneSize, grid.PlaneSize);
            return Detect(label, grid, _settings.Threshold).ConvertAll(p => p.Position);
        }
        return frame.Positions!.Where(p => p.TimeStep == step).Select(p => new PointPx(p.Row, p.Column)).ToList();
    }

    private LocalisationCounts Score(List<MapPeak> candidates, List<PointPx> truths, double threshold)
    {
        var detections = candidates.Where(p => p.Value >= threshold).Select(p => p.Position).ToList();
        return LocalisationCounts.Of(PositionMatcher.Match(detections, truths, _settings.TolerancePx), detections.Count, truths.Count);
    }

    private void CountPixels(float[] prediction, float[] label)
    {
        double threshold = _settings.Threshold;
        for (int i = 0; i < prediction.Length; i++)
        {
            bool positive = label[i] >= threshold;
            bool predicted = prediction[i] >= threshold;
            _histogram.Add(prediction[i], positive);
            if (positive && predicted) _pixelTruePositives++;
            else if (predicted) _pixelFalsePositives++;
            else if (positive) _pixelFalseNegatives++;
            else _pixelTrueNegatives++;
        }
    }
}
