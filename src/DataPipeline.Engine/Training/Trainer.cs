using System.Diagnostics;
using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.IO;
using DataPipeline.Engine.Models;
using DataPipeline.Engine.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DataPipeline.Engine.Training;

/// <summary>
/// Trains a U-Net on the batches of a <see cref="BatchGenerator"/>: one pass over the training
/// split per epoch, then a pass over the validation split, recording every metric, keeping
/// checkpoints and reporting progress. Cancellation stops after the current step with the run's
/// history and checkpoints intact.
///
/// Runs entirely on the calling thread: TorchSharp's dispose scopes are thread-bound.
/// </summary>
public sealed class Trainer
{
    private readonly PipelineConfig _config;

    public Trainer(PipelineConfig config) => _config = config;

    /// <summary>The size ratio of the model: the [model] key, or the data's when that is 0.</summary>
    public static int ResolveSizeRatio(ModelSettings model, BatchGenerator generator)
    {
        int[] data = generator.FrameShape, label = generator.LabelShape;
        int ratio = label[^1] / data[^1];
        bool exact = label[^1] == data[^1] * ratio && label[^2] == data[^2] * ratio && (data.Length == 2 || label[0] == data[0]);
        if (!exact)
            throw new ArgumentException(
                $"Labels of [{string.Join("x", label)}] are not an integer multiple of frames of [{string.Join("x", data)}]; the U-Net's head scales H and W by one integer factor.");
        if (model.SizeRatio != 0 && model.SizeRatio != ratio)
            throw new ArgumentException(
                $"[model] size_ratio = {model.SizeRatio}, but the labels are {ratio}x the data's resolution " +
                $"([{string.Join("x", label)}] vs [{string.Join("x", data)}]); set size_ratio = {ratio} or 0 (from the data).");
        return ratio;
    }

    public TrainingRun Run(BatchGenerator generator, string outputDirectory, Action<TrainingProgress>? progress = null,
        CancellationToken cancellation = default)
    {
        TorchRuntime.EnsureLoaded();
        var settings = _config.Training;
        int sizeRatio = ResolveSizeRatio(_config.Model, generator);
        var device = TorchRuntime.ResolveDevice(settings.Device);
        TorchRuntime.SetThreads(settings.Threads);
        manual_seed(settings.Seed);

        var model = new UNet(_config.Model, sizeRatio);
        model.CheckInputShape(generator.FrameShape);
        long expected = UNetParameterFormula.Count(_config.Model, sizeRatio);
        if (model.TrainableParameters != expected)
            throw new InvalidOperationException($"The U-Net has {model.TrainableParameters} trainable parameters but UNET.md's formula gives {expected}.");
        model.to(device);

        string runId = $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}";
        var run = new TrainingRun(runId, _config, Path.GetFullPath(Path.Combine(outputDirectory, runId)))
        {
            EpochsPlanned = settings.Epochs,
            Device = device.ToString(),
            Threads = get_num_threads(),
            TrainableParameters = model.TrainableParameters,
            TotalParameters = model.TotalParameters,
            InputShape = [.. generator.FrameShape],
            OutputShape = [.. generator.LabelShape],
            TrainingFrames = generator.TrainingCount,
            ValidationFrames = generator.ValidationCount,
            StartTime = DateTimeOffset.Now,
        };
        var clock = Stopwatch.StartNew();
        try
        {
            Train(model, generator, device, run, progress, cancellation);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            run.Status = TrainingStatus.Stopped;
            run.Message = $"Stopped by the user after {run.EpochsCompleted} complete epoch(s).";
        }
        catch (NonFiniteLossException e)
        {
            run.Status = TrainingStatus.Failed;
            run.Message = e.Message;
        }
        finally
        {
            run.Duration = clock.Elapsed;
            model.Dispose();
        }
        return run;
    }

    private void Train(UNet model, BatchGenerator generator, Device device, TrainingRun run,
        Action<TrainingProgress>? progress, CancellationToken cancellation)
    {
        var settings = _config.Training;
        double threshold = _config.Evaluation.Threshold;
        bool probabilities = _config.Model.OutputActivation == OutputActivation.Sigmoid;
        using var optimizer = CreateOptimizer(model, settings);
        var prefetcher = new BatchPrefetcher();

        for (int epoch = 1; epoch <= settings.Epochs; epoch++)
        {
            var epochClock = Stopwatch.StartNew();
            var waitedBefore = prefetcher.WaitTime;
            var training = new EpochMetrics();
            int batches = generator.TrainingBatchesPerEpoch;
            model.train();
            int step = 0;
            foreach (var batch in prefetcher.Prefetch(generator.GetBatches(BatchSplit.Training, epoch - 1), _config.Batch.Prefetch, cancellation))
            {
                cancellation.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var (input, target) = ToTensors(batch, device);
                optimizer.zero_grad();
                var output = model.call(input);
                var loss = ComputeLoss(settings.Loss, output, target, probabilities, epoch, step);
                loss.backward();
                double lossValue = loss.item<float>();
                // A non-finite gradient with a finite loss would silently ruin the weights in step().
                if (!double.IsFinite(lossValue) || !GradientsFinite(model))
                    throw new NonFiniteLossException(Describe(model, epoch, step, lossValue));
                optimizer.step();
                training.Add(lossValue, probabilities ? output : output.sigmoid(), target, threshold);
                step++;
                progress?.Invoke(new TrainingProgress(epoch, settings.Epochs, step, batches, "training", training.Loss));
            }

            var validation = new EpochMetrics();
            if (generator.ValidationCount > 0)
            {
                model.eval();
                using var noGrad = no_grad();
                int validationBatches = generator.ValidationBatchesPerEpoch, done = 0;
                foreach (var batch in prefetcher.Prefetch(generator.GetBatches(BatchSplit.Validation, epoch - 1), _config.Batch.Prefetch, cancellation))
                {
                    cancellation.ThrowIfCancellationRequested();
                    using var scope = NewDisposeScope();
                    var (input, target) = ToTensors(batch, device);
                    var output = model.call(input);
                    double lossValue = Loss.Compute(settings.Loss, output, target, probabilities).item<float>();
                    validation.Add(lossValue, probabilities ? output : output.sigmoid(), target, threshold);
                    progress?.Invoke(new TrainingProgress(epoch, settings.Epochs, ++done, validationBatches, "validation", validation.Loss));
                }
            }

            var record = new EpochRecord
            {
                Epoch = epoch,
                LearningRate = settings.LearningRate,
                Loss = training.Loss,
                Mse = training.Mse,
                Dice = training.Dice,
                Precision = training.Precision,
                Recall = training.Recall,
                ValLoss = validation.IsEmpty ? double.NaN : validation.Loss,
                ValMse = validation.IsEmpty ? double.NaN : validation.Mse,
                ValDice = validation.IsEmpty ? double.NaN : validation.Dice,
                ValPrecision = validation.IsEmpty ? double.NaN : validation.Precision,
                ValRecall = validation.IsEmpty ? double.NaN : validation.Recall,
                Seconds = epochClock.Elapsed.TotalSeconds,
                DataWaitSeconds = (prefetcher.WaitTime - waitedBefore).TotalSeconds,
            };
            run.Add(record);
            SaveCheckpoints(model, run, record);
            progress?.Invoke(new TrainingProgress(epoch, settings.Epochs, batches, batches, "epoch", record.Loss, record));
        }
        run.Status = TrainingStatus.Completed;
    }

    /// <summary>
    /// The loss, or a <see cref="NonFiniteLossException"/> when the output is not finite: libtorch's
    /// binary_cross_entropy rejects NaN inputs with an error that does not say where they came from.
    /// </summary>
    private static Tensor ComputeLoss(LossKind kind, Tensor output, Tensor target, bool probabilities, int epoch, int step)
    {
        try
        {
            return Loss.Compute(kind, output, target, probabilities);
        }
        catch (System.Runtime.InteropServices.ExternalException) when (!output.isfinite().all().item<bool>())
        {
            throw new NonFiniteLossException(
                $"The network's output became non-finite at epoch {epoch}, step {step + 1}, before the loss. " +
                "Check the input frames for NaN or infinite values; if they are clean, lower the learning rate.");
        }
    }

    private static (Tensor Input, Tensor Target) ToTensors(Batch batch, Device device)
    {
        var input = NativeCopy(batch.Data, batch.Shape);
        var target = NativeCopy(batch.Label, batch.LabelShape);
        return device.type == DeviceType.CPU ? (input, target) : (input.to(device), target.to(device));
    }

    /// <summary>
    /// A tensor in libtorch's own memory holding a copy of <paramref name="values"/>. torch.tensor(float[])
    /// can alias the managed array, which the GC may move between forward and backward: the first
    /// conv's weight gradient, which rereads the input, then came out NaN now and then.
    /// </summary>
    private static Tensor NativeCopy(float[] values, int[] shape)
    {
        var result = empty(shape.Select(d => (long)d).ToArray(), ScalarType.Float32);
        result.bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan());
        return result;
    }

    private static optim.Optimizer CreateOptimizer(UNet model, TrainingSettings settings) => settings.Optimizer switch
    {
        OptimizerKind.Adam => optim.Adam(model.parameters(), settings.LearningRate, 0.9, 0.999, 1e-8),
        OptimizerKind.Sgd => optim.SGD(model.parameters(), settings.LearningRate, momentum: 0.9),
        _ => throw new ArgumentOutOfRangeException(nameof(settings)),
    };

    private static bool GradientsFinite(UNet model)
    {
        using var scope = NewDisposeScope();
        var flags = model.parameters().Where(p => p.grad is not null).Select(p => p.grad!.isfinite().all()).ToArray();
        return flags.Length == 0 || stack(flags).all().item<bool>();
    }

    /// <summary>Names the step and the first layer whose gradient is not finite.</summary>
    private static string Describe(UNet model, int epoch, int step, double loss)
    {
        string layer = model.named_parameters()
            .FirstOrDefault(p => p.parameter.grad is { } g && !g.isfinite().all().item<bool>()).name ?? "none (the forward pass itself)";
        return $"The training loss or gradient became non-finite (loss {loss}) at epoch {epoch}, step {step + 1}; the first parameter with a non-finite gradient is {layer}. " +
               "Lower the learning rate, check the data for NaN or extreme values, or use a loss suited to the labels' range.";
    }

    private void SaveCheckpoints(UNet model, TrainingRun run, EpochRecord record)
    {
        var policy = _config.Training.Checkpoint;
        double score = double.IsNaN(record.ValLoss) ? record.Loss : record.ValLoss;
        bool improved = double.IsNaN(run.BestLoss) || score < run.BestLoss;
        if (improved)
        {
            run.BestEpoch = record.Epoch;
            run.BestLoss = score;
        }
        if (policy == CheckpointPolicy.None) return;

        Directory.CreateDirectory(run.OutputDirectory);
        run.LastCheckpoint = SaveModel(model, Path.Combine(run.OutputDirectory, "last.ckpt"));
        if (improved)
            run.BestCheckpoint = SaveModel(model, Path.Combine(run.OutputDirectory, "best.ckpt"));
        if (policy == CheckpointPolicy.Every)
            SaveModel(model, Path.Combine(run.OutputDirectory, $"epoch-{record.Epoch:D4}.ckpt"));
    }

    private static string SaveModel(UNet model, string path)
    {
        AtomicFile.Write(path, temporary => model.save(temporary));
        return path;
    }
}

/// <summary>The loss became NaN or infinite; the message names where.</summary>
public sealed class NonFiniteLossException(string message) : Exception(message);
