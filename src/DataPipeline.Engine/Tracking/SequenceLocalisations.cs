using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Evaluation;
using DataPipeline.Engine.Frames;

namespace DataPipeline.Engine.Tracking;

/// <summary>Where the points of a frame's time steps come from when they are tracked or mapped.</summary>
public enum LocalisationOrigin
{
    /// <summary>Peaks of the frame's prediction (Invoke-UNetPrediction), found as Measure-Localization finds them.</summary>
    Prediction,

    /// <summary>The frame's known scatterer positions (simulated frames): the true tracks.</summary>
    Positions,
}

/// <summary>The localisations of every time step of one frame, in data pixels, and the true tracks of simulated frames.</summary>
public static class SequenceLocalisations
{
    /// <summary>One list of points per time step.</summary>
    /// <exception cref="ArgumentException">The frame lacks the prediction or positions asked for.</exception>
    public static List<List<PointPx>> Of(Frame frame, LocalisationOrigin origin, EvaluationSettings detection)
    {
        var steps = new List<List<PointPx>>(frame.TimeSteps);
        if (origin == LocalisationOrigin.Positions)
        {
            var positions = frame.Positions
                ?? throw new ArgumentException($"Frame {frame} has no known scatterer positions; track its prediction instead (-From Prediction).");
            for (int t = 0; t < frame.TimeSteps; t++)
                steps.Add(positions.Where(p => p.TimeStep == t).Select(p => new PointPx(p.Row, p.Column)).ToList());
            return steps;
        }
        float[] prediction = frame.Prediction
            ?? throw new ArgumentException($"Frame {frame} carries no prediction; run Invoke-UNetPrediction on it first, or track its known positions (-From Positions).");
        if (frame.PredictionShape is { Length: 2 } && frame.TimeSteps > 1)
            throw new ArgumentException($"Frame {frame} carries one track map for its whole sequence (a model with a temporal_head), not a map per step to find points in; track its known positions (-From Positions) or the prediction of a model without a temporal_head.");
        var grid = new MapGrid(frame);
        for (int t = 0; t < frame.TimeSteps; t++)
        {
            var plane = new ReadOnlySpan<float>(prediction, t * grid.PlaneSize, grid.PlaneSize);
            steps.Add(PeakDetector.Find(plane, grid.Height, grid.Width, detection.WindowPx, detection.Refine, detection.Threshold)
                .ConvertAll(p => grid.ToData(p.Position)));
        }
        return steps;
    }

    /// <summary>
    /// The true tracks of a simulated frame: one per scatterer, through every step it is in the field
    /// of view (also where it was dropped from the data, as in the label), numbered by scatterer order.
    /// </summary>
    public static List<Track> TrueTracks(Frame frame)
    {
        var positions = frame.Positions
            ?? throw new ArgumentException($"Frame {frame} has no known scatterer positions to take the true tracks from.");
        return positions.GroupBy(p => p.Scatterer).OrderBy(g => g.Key)
            .Select((g, id) => Track.FromPositions(id, frame.Source, frame.Index,
                g.OrderBy(p => p.TimeStep).Select(p => (p.TimeStep, p.Row, p.Column)).ToList(), frame.Height, frame.Width))
            .ToList();
    }

    /// <summary>Links the points of <paramref name="steps"/> (step t at position t) into tracks.</summary>
    public static List<Track> Link(IReadOnlyList<IReadOnlyList<PointPx>> steps, TrackingSettings settings, string source, int index,
        int? height = null, int? width = null)
    {
        var linker = new TrackLinker(settings);
        for (int t = 0; t < steps.Count; t++) linker.AddStep(t, steps[t]);
        return linker.Tracks(source, index, height, width);
    }
}
