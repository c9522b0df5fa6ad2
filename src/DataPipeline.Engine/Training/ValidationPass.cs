using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Evaluation;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Reporting;
using static TorchSharp.torch;

namespace DataPipeline.Engine.Training;

/// <summary>
/// One epoch's pass over the validation split without gradients: its metrics, its localisation
/// score every training.localisation_every epochs, and the preview every training.preview_every.
/// </summary>
internal sealed class ValidationPass(PipelineConfig config, NetworkStep network)
{
    public (EpochMetrics Metrics, LocalisationScore? Localisation) Run(RunContext c, BatchPrefetcher prefetcher, int epoch)
    {
        var metrics = new EpochMetrics();
        if (c.Generator.ValidationCount == 0) return (metrics, null);
        bool probabilities = network.Probabilities;
        int every = config.Training.LocalisationEvery;
        var localisation = every > 0 && epoch % every == 0 && TrainingPreflight.CanLocalise(c.Generator)
            ? new LocalisationEvaluator(config.Evaluation)
            : null;
        var preview = PreviewFramesFor(c.Generator, epoch);
        int batches = c.Generator.ValidationBatchesPerEpoch, done = 0;
        c.Model.eval();
        using var noGrad = no_grad();
        foreach (var batch in c.Generator.Stream(prefetcher, BatchSplit.Validation, epoch - 1, c.Cancellation))
        {
            c.Cancellation.ThrowIfCancellationRequested();
            c.Position.At(epoch, done + 1, "validation");
            using var scope = NewDisposeScope();
            var (input, target) = BatchTensors.ToTensors(batch, c.Device);
            c.Generator.Recycle(batch);
            var output = network.Forward(c, input, drawsRandom: false);
            double lossValue = network.ComputeLoss(output, target, epoch, ++done).item<float>();
            var probability = probabilities ? output : output.sigmoid();
            metrics.Add(lossValue, probability, target, config.Evaluation.Threshold);
            if (localisation is not null || preview is not null) Attach(localisation, preview, c.Generator, batch, probability);
            c.Progress?.Invoke(new TrainingProgress(epoch, config.Training.Epochs, done, batches, "validation", metrics.Loss));
        }
        if (preview is not null)
            FramePreview.Write(preview.Values.OfType<Frame>().ToList(), Path.Combine(c.Run.OutputDirectory, $"preview-epoch-{epoch:D4}.png"));
        return (metrics, localisation?.Result());
    }

    /// <summary>The first few validation frames, always the same ones, when this epoch writes a preview.</summary>
    private SortedDictionary<int, Frame?>? PreviewFramesFor(BatchGenerator generator, int epoch)
    {
        int every = config.Training.PreviewEvery;
        if (every == 0 || epoch % every != 0 || generator.PatchSize > 0) return null;
        return new SortedDictionary<int, Frame?>(generator.EpochOrder(BatchSplit.Validation, 0)
            .Take(config.Training.PreviewFrames).ToDictionary(i => i, _ => (Frame?)null));
    }

    /// <summary>Gives the batch's frames their predictions, for localisation scoring and the preview.</summary>
    private static void Attach(LocalisationEvaluator? localisation, SortedDictionary<int, Frame?>? preview,
        BatchGenerator generator, Batch batch, Tensor probability)
    {
        var maps = probability.cpu().data<float>().ToArray();
        int perFrame = maps.Length / batch.Count;
        for (int i = 0; i < batch.Count; i++)
        {
            var frame = generator.ReadFrame(batch.Indices[i]).WithPrediction(maps.AsSpan(i * perFrame, perFrame).ToArray());
            localisation?.Add(frame);
            if (preview is not null && preview.ContainsKey(batch.Indices[i])) preview[batch.Indices[i]] = frame;
        }
    }
}
