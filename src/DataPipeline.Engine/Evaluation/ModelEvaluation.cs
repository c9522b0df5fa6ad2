using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Inference;

namespace DataPipeline.Engine.Evaluation;

/// <summary>
/// Tests a model: predicts frames as they come (in batches of one shape, through the
/// <see cref="Predictor"/>, sliding windows included) and scores each prediction with the same
/// <see cref="LocalisationEvaluator"/> that Measure-Localization uses, so a model's score does not
/// depend on which way it was asked for. Predicted frames are not kept: memory stays flat however
/// many frames stream through.
/// </summary>
public sealed class ModelEvaluation(Predictor predictor, LocalisationEvaluator evaluator)
{
    private readonly List<Frame> _pending = [];

    /// <summary>Frames predicted and scored so far.</summary>
    public int FramesScored { get; private set; }

    /// <summary>Frames waiting for their batch to fill.</summary>
    public IReadOnlyList<Frame> Queued => _pending;

    /// <summary>Queues <paramref name="frame"/>; predicts and scores the queue when it is a full batch or the shape changes.</summary>
    /// <exception cref="ArgumentException">The frame cannot be scored (no truth), or a batch did not fit the model.</exception>
    public void Add(Frame frame)
    {
        evaluator.CheckTruth(frame);
        if (_pending.Count > 0 && !_pending[0].Shape.SequenceEqual(frame.Shape)) Flush();
        _pending.Add(frame);
        if (_pending.Count >= predictor.BatchSize) Flush();
    }

    /// <summary>Scores whatever is still queued, then pools every frame scored.</summary>
    public EvaluationResult Result()
    {
        Flush();
        return evaluator.Result();
    }

    private void Flush()
    {
        if (_pending.Count == 0) return;
        // Cleared first: a batch that fails to predict is reported once, not again with the next.
        var batch = _pending.ToArray();
        _pending.Clear();
        foreach (var predicted in predictor.Predict(batch))
        {
            evaluator.Add(predicted);
            FramesScored++;
        }
    }
}
