using System.Diagnostics;
using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.IO;
using DataPipeline.Engine.Models;
using DataPipeline.Engine.Reporting;
using DataPipeline.Engine.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DataPipeline.Engine.Training;

/// <summary>
/// Trains a U-Net on the batches of a <see cref="BatchGenerator"/>: one pass over the training
/// split per epoch, then one over the validation split, recording every metric, following the
/// learning-rate schedule, keeping checkpoints, a log and early stopping, and reporting progress.
/// Cancellation stops after the current step with the history and checkpoints intact.
///
/// Runs entirely on the calling thread: TorchSharp's dispose scopes are thread-bound.
/// </summary>
public sealed class Trainer
{
    private readonly PipelineConfig _config;
    private readonly TrainingPass _training;
    private readonly ValidationPass _validation;
    private readonly RunCheckpoints _checkpoints;

    public Trainer(PipelineConfig config)
    {
        _config = config;
        var network = new NetworkStep(config);
        _training = new TrainingPass(config, network);
        _validation = new ValidationPass(config, network);
        _checkpoints = new RunCheckpoints(config.Training);
    }

    /// <summary>
    /// A second file that gets every line of run.log, appended (Invoke-UNetTraining -LogPath): a
    /// scheduled job keeps one log across nights, while each run folder still has its own.
    /// </summary>
    public string? LogCopyPath { get; init; }

    public TrainingRun Run(BatchGenerator generator, string outputDirectory, Action<TrainingProgress>? progress = null,
        CancellationToken cancellation = default, TrainingStart? start = null)
    {
        start ??= TrainingStart.Fresh;
        TorchRuntime.EnsureLoaded();
        var settings = _config.Training;
        int sizeRatio = TrainingPreflight.ResolveSizeRatio(_config.Model, generator);
        var device = TorchRuntime.ResolveDevice(settings.Device);
        TrainingPreflight.CheckPrecision(_config, device);
        TorchRuntime.SetThreads(settings.Threads);
        var random = new RunRandom(settings.Seed);
        TrainingPreflight.CheckRetries(_config);
        // Before a byte is allocated: filters = 4096 at depth 10 would ask libtorch for terabytes.
        MemoryBudget.Check(_config, generator.FrameShape, sizeRatio, generator.BatchSize);

        int timeSteps = generator.FrameShape.Length == 3 ? generator.FrameShape[0] : 0;
        using var model = random.Use(() => new UNet(_config.Model, sizeRatio, timeSteps));
        model.CheckInputShape(generator.FrameShape);
        model.CheckChannels(generator.Channels);
        long expected = UNetParameterFormula.Count(_config.Model, sizeRatio, timeSteps);
        if (model.TrainableParameters != expected)
            throw new InvalidOperationException($"The U-Net has {model.TrainableParameters} trainable parameters but UNET.md's formula gives {expected}.");
        model.to(device);
        using var optimizer = OptimizerFactory.Create(model.parameters(), settings, _config.SourcePath);

        var monitor = new MonitoredMetric(settings.Monitor, generator.ValidationCount > 0,
            settings.LocalisationEvery > 0 && TrainingPreflight.CanLocalise(generator));
        var schedule = new LearningRateSchedule(settings);
        var hyper = HyperParameterSchedule.Create(_config, optimizer, model);
        var tracker = new ImprovementTracker();
        string runId;
        string runDirectory;
        IReadOnlyList<EpochRecord> history = [];
        if (start.Resume is { } resume)
        {
            var state = random.Use(() => Checkpoint.LoadForResume(resume, model, optimizer));
            TrainingPreflight.CheckResumable(state, generator, resume);
            runId = state.RunId;
            runDirectory = Path.GetDirectoryName(Path.GetFullPath(resume))!;
            history = state.History;
            schedule.State = state.Schedule;
            tracker = new ImprovementTracker(state.BestEpoch, state.BestValue, state.EpochsWithoutImprovement);
        }
        else
        {
            if (start.InitialWeights is { } weights)
                Checkpoint.LoadModel(weights, model);
            runId = $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}";
            runDirectory = Path.GetFullPath(Path.Combine(outputDirectory, runId));
        }

        var run = new TrainingRun(runId, WithGeneratorSettings(_config, generator), runDirectory)
        {
            EpochsPlanned = settings.Epochs,
            Device = device.ToString(),
            Threads = get_num_threads(),
            TrainableParameters = model.TrainableParameters,
            TotalParameters = model.TotalParameters,
            Layers = model.LayerTable(),
            InputShape = [.. generator.FrameShape],
            OutputShape = [.. generator.LabelShape],
            TrainingFrames = generator.TrainingCount,
            ValidationFrames = generator.ValidationCount,
            StartTime = DateTimeOffset.Now,
            Monitor = monitor.Name,
            BestEpoch = tracker.BestEpoch,
            BestValue = tracker.BestValue,
        };
        foreach (var record in history) run.Add(record);
        if (start.Resume is not null)
        {
            run.LastCheckpoint = Path.GetFullPath(start.Resume);
            string best = Path.Combine(runDirectory, "best.ckpt");
            if (File.Exists(best)) run.BestCheckpoint = best;
        }

        // A crash (kill -9, a full disk) may have left temporary files of an earlier process here.
        AtomicFile.RemoveStaleTemporaries(runDirectory);
        var log = new RunLog(runDirectory, LogCopyPath);
        run.LogPath = log.Path;
        log.Start(run, run.Config, generator, resumed: start.Resume is not null);
        var scaler = settings.Precision == TrainingPrecision.Fp16 ? new LossScaler() : null;
        var context = new RunContext(model, optimizer, device, random, scaler, monitor, schedule, tracker, sizeRatio, generator, run, log,
            new StepPosition(), progress, cancellation) { Hyper = hyper };
        var clock = Stopwatch.StartNew();
        try
        {
            // With retries, epoch 1 also needs a checkpoint to go back to.
            if (settings.Retries > 0 && run.LastCheckpoint is null) RunCheckpoints.Save(context, "last.ckpt", run.EpochsCompleted);
            Train(context);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            RunEnding.Stop(run);
        }
        catch (Exception e)
        {
            // Anything, native (libtorch through TorchSharp) or managed, at any epoch: the run still
            // comes back, says where and why, and keeps what it had.
            RunEnding.Fail(run, context.Position, e);
        }
        finally
        {
            run.Duration = clock.Elapsed;
            RunEnding.Write(run, log);
        }
        return run;
    }

    /// <summary>
    /// The configuration as this run really trains: [batch] and [augment] from the generator (which
    /// New-BatchGenerator's parameters may have set), not from the file; the rest as given.
    /// </summary>
    private static PipelineConfig WithGeneratorSettings(PipelineConfig config, BatchGenerator generator)
    {
        var copy = ConfigLoader.Clone(config);
        return new PipelineConfig
        {
            Data = copy.Data, Simulation = copy.Simulation, Model = copy.Model, Training = copy.Training,
            Evaluation = copy.Evaluation, Output = copy.Output, Bench = copy.Bench, SourcePath = copy.SourcePath,
            Batch = generator.Settings,
            Augment = ConfigLoader.Clone(new PipelineConfig { Augment = generator.Augmenter.Settings }).Augment,
        };
    }

    /// <summary>
    /// The epochs, each retried from last.ckpt when it fails and training.retries allows: a
    /// transient fault (a flaky share, a native error) costs at most one epoch, and since the
    /// checkpoint restores the weights, the optimizer, the random state and the schedule, the retried
    /// epoch computes what the failed one would have.
    /// </summary>
    private void Train(RunContext c)
    {
        int retriesLeft = _config.Training.Retries, retried = 0;
        var prefetcher = new BatchPrefetcher();
        for (int epoch = c.Run.EpochsCompleted + 1; epoch <= _config.Training.Epochs;)
        {
            try
            {
                if (!Epoch(c, prefetcher, epoch, retried)) return;
                epoch++;
                retried = 0;
            }
            catch (Exception e) when (retriesLeft > 0 && e is not (OperationCanceledException or NonFiniteLossException) && c.Run.LastCheckpoint is { } last)
            {
                retriesLeft--;
                retried++;
                c.Log.Line($"epoch {epoch} failed at {c.Position.Phase} step {c.Position.Step}: {e.GetType().Name}: {e.Message}");
                var state = c.Random.Use(() => Checkpoint.LoadForResume(last, c.Model, c.Optimizer));
                c.Run.RewindTo(state.History);
                c.Schedule.State = state.Schedule;
                c.Tracker = new ImprovementTracker(state.BestEpoch, state.BestValue, state.EpochsWithoutImprovement);
                (c.Run.BestEpoch, c.Run.BestValue) = (state.BestEpoch, state.BestValue);
                epoch = c.Run.EpochsCompleted + 1;
                c.Log.Line($"retry {_config.Training.Retries - retriesLeft} of {_config.Training.Retries}: reloaded {last} (after epoch {state.Epoch}); running epoch {epoch} again");
                c.Progress?.Invoke(new TrainingProgress(epoch, _config.Training.Epochs, 0, 0, "training", double.NaN,
                    Warning: $"Epoch {epoch} failed ({e.Message}); retrying it from {last}."));
            }
        }
        c.Run.Status = TrainingStatus.Completed;
    }

    /// <summary>One epoch: training, validation, the record, checkpoints; false when early stopping ends the run.</summary>
    private bool Epoch(RunContext c, BatchPrefetcher prefetcher, int epoch, int retried)
    {
        var settings = _config.Training;
        var clock = Stopwatch.StartNew();
        var waitedBefore = prefetcher.WaitTime;
        double rate = c.Schedule.RateFor(epoch);
        c.Optimizer.SetLearningRate(rate);
        if (c.Hyper is { } hyper)
        {
            // The epoch's record shows the rate of its first step.
            hyper.Apply(epoch, 1, c.Generator.TrainingBatchesPerEpoch);
            rate = c.Optimizer.LearningRate;
            c.Log.Line($"epoch {epoch} starts with {hyper.Describe()}");
        }

        var (training, skipped) = _training.Run(c, prefetcher, epoch);
        var (validation, localisation) = _validation.Run(c, prefetcher, epoch);
        var record = new EpochRecord
        {
            Epoch = epoch,
            LearningRate = rate,
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
            ValF1 = localisation?.F1 ?? double.NaN,
            ValJaccard = localisation?.Jaccard ?? double.NaN,
            ValRmsePx = localisation?.RmsePx ?? double.NaN,
            Seconds = clock.Elapsed.TotalSeconds,
            DataWaitSeconds = (prefetcher.WaitTime - waitedBefore).TotalSeconds,
            SkippedSteps = skipped,
            Retries = retried,
        };
        c.Position.At(epoch, 0, "end");
        c.Run.Add(record);
        c.Log.Epoch(record, settings.Epochs);

        double monitored = c.Monitor.ValueOf(record);
        bool improved = c.Tracker.Update(epoch, monitored, c.Monitor);
        c.Run.BestEpoch = c.Tracker.BestEpoch;
        c.Run.BestValue = c.Tracker.BestValue;
        c.Schedule.EndEpoch(monitored, c.Monitor);
        _checkpoints.AfterEpoch(c, record, improved);
        // The history so far, on disk after every epoch: a killed run's folder still has it.
        HistoryExport.Write(c.Run, c.Run.OutputDirectory, [HistoryFormat.Csv, HistoryFormat.Json], logScale: false);
        c.Progress?.Invoke(new TrainingProgress(epoch, settings.Epochs, 0, 0, "epoch", record.Loss, record));

        if (settings.EarlyStoppingPatience > 0 && c.Tracker.EpochsWithoutImprovement >= settings.EarlyStoppingPatience)
        {
            c.Run.Status = TrainingStatus.EarlyStopped;
            c.Run.Message = $"Stopped early after epoch {epoch}: {c.Monitor.Name} has not improved for {settings.EarlyStoppingPatience} epochs (best {c.Tracker.BestValue:G5} at epoch {c.Tracker.BestEpoch}).";
            return false;
        }
        return true;
    }
}
