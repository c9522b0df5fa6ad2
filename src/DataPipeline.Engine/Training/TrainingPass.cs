using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Models;
using DataPipeline.Engine.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DataPipeline.Engine.Training;

/// <summary>
/// One epoch's pass over the training split: a step per batch, with fp16 loss scaling, gradient
/// clipping, and non-finite steps skipped or fatal as training.non_finite says.
/// </summary>
internal sealed class TrainingPass(PipelineConfig config, NetworkStep network)
{
    /// <summary>The epoch's training metrics and how many of its steps were skipped as non-finite.</summary>
    public (EpochMetrics Metrics, int Skipped) Run(RunContext c, BatchPrefetcher prefetcher, int epoch)
    {
        var settings = config.Training;
        bool probabilities = network.Probabilities;
        bool dropout = config.Model.Dropout > 0;
        var metrics = new EpochMetrics();
        int batches = c.Generator.TrainingBatchesPerEpoch, step = 0, skipped = 0;
        using var lastGood = settings.NonFinite == NonFinitePolicy.Skip ? new BufferSnapshot(c.Model) : null;
        c.Model.train();
        c.Position.At(epoch, 1, "training");
        foreach (var batch in c.Generator.Stream(prefetcher, BatchSplit.Training, epoch - 1, c.Cancellation))
        {
            c.Cancellation.ThrowIfCancellationRequested();
            step++;
            c.Position.At(epoch, step, "training");
            using var scope = NewDisposeScope();
            var (input, target) = BatchTensors.ToTensors(batch, c.Device);
            var sampleWeights = BatchTensors.SampleWeights(c.Generator, batch);
            // The tensors hold copies, so the arrays can go back for the workers to refill.
            c.Generator.Recycle(batch);
            c.Optimizer.zero_grad();
            c.Hyper?.Apply(epoch, step, batches);
            // Dropout is the network's only draw from the generator; without it the forward pass
            // needs no lock, and runs side by side stay fully parallel.
            var output = network.Forward(c, input, dropout);
            string? problem = null;
            double lossValue = double.NaN;
            try
            {
                var loss = network.ComputeLoss(output, target, epoch, step, sampleWeights);
                (c.Scaler is { } s ? s.Scaled(loss) : loss).backward();
                lossValue = loss.item<float>();
                if (double.IsFinite(lossValue) && c.Scaler is { } scaler && !scaler.Unscale(c.Model.parameters()))
                {
                    // float16 gradients overflowed at this scale: GradScaler's routine, not a fault.
                    c.Optimizer.zero_grad();
                    c.Log.Line($"fp16 gradients overflowed at epoch {epoch}, step {step}: step skipped, loss scale lowered to {scaler.Scale}.");
                    continue;
                }
                if (!double.IsFinite(lossValue) || !GradientsFinite(c.Model))
                    problem = Describe(c.Model, epoch, step, lossValue);
            }
            catch (NonFiniteLossException e)
            {
                problem = e.Message;
            }
            if (problem is not null)
            {
                if (lastGood is null) throw new NonFiniteLossException(problem);
                lastGood.Restore();
                if (!TorchRuntime.OneDnnDisabled)
                {
                    TorchRuntime.DisableOneDnnAfterNonFinite();
                    c.Log.Line("oneDNN convolutions switched off for the rest of this process: after a non-finite step their stale padding returns NaN gradients (see TorchRuntime.PrepareConvolutions).");
                }
                c.Optimizer.zero_grad();
                skipped++;
                c.Log.Line("skipped: " + problem);
                c.Progress?.Invoke(new TrainingProgress(epoch, settings.Epochs, step, batches, "training", metrics.Loss, Warning: "Skipped a step. " + problem));
                continue;
            }
            if (settings.GradientClipNorm > 0)
                nn.utils.clip_grad_norm_(c.Model.parameters(), settings.GradientClipNorm);
            c.Optimizer.step();
            lastGood?.Save();
            metrics.Add(lossValue, probabilities ? output : output.sigmoid(), target, config.Evaluation.Threshold);
            c.Progress?.Invoke(new TrainingProgress(epoch, settings.Epochs, step, batches, "training", metrics.Loss));
        }
        if (step > 0 && skipped == step)
            throw new NonFiniteLossException($"Every one of the {step} training steps of epoch {epoch} had a non-finite loss or gradient; the run cannot continue. See {c.Log.Path}.");
        return (metrics, skipped);
    }

    private static bool GradientsFinite(UNet model)
    {
        using var scope = NewDisposeScope();
        var flags = model.parameters().Where(p => p.grad is not null).Select(p => p.grad!.isfinite().all()).ToArray();
        return flags.Length == 0 || stack(flags).all().item<bool>();
    }

    /// <summary>Names the step and the first layer whose gradient is not finite.</summary>
    private static string Describe(UNet model, int epoch, int step, double loss)
    {
        using var scope = NewDisposeScope();
        string layer = model.named_parameters()
            .FirstOrDefault(p => p.parameter.grad is { } g && !g.isfinite().all().item<bool>()).name ?? "none (the loss itself)";
        return $"The training loss or gradient became non-finite (loss {loss}) at epoch {epoch}, step {step}; the first parameter with a non-finite gradient is {layer}. " +
               "Lower the learning rate, check the data for NaN or extreme values, or use a loss suited to the labels' range.";
    }
}
