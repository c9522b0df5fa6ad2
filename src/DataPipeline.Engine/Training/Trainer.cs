using System.Diagnostics;
using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Evaluation;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.IO;
using DataPipeline.Engine.Models;
using DataPipeline.Engine.Reporting;
using DataPipeline.Engine.Runtime;
using DataPipeline.Engine.Training.Optimizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DataPipeline.Engine.Training;

/// <summary>Where a run starts: from scratch, from a checkpoint's weights, or resuming a checkpointed run exactly.</summary>
/// <param name="Resume">A checkpoint to continue: weights, optimizer, random state, schedule, history.</param>
/// <param name="InitialWeights">A checkpoint whose weights start a new run (fine-tuning).</param>
public sealed record TrainingStart(string? Resume = null, string? InitialWeights = null)
{
    public static readonly TrainingStart Fresh = new();
}

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

    public Trainer(PipelineConfig config) => _config = config;

    /// <summary>
    /// A second file that gets every line of run.log, appended (Invoke-UNetTraining -LogPath): a
    /// scheduled job keeps one log across nights, while each run folder still has its own.
    /// </summary>
    public string? LogCopyPath { get; init; }

    /// <summary>The size ratio of the model: the [model] key, or the data's when that is 0.</summary>
    public static int ResolveSizeRatio(ModelSettings model, BatchGenerator generator) =>
        ResolveSizeRatio(model, generator.FrameShape, generator.LabelShape);

    public static int ResolveSizeRatio(ModelSettings model, int[] data, int[] label)
    {
        CheckLabelRank(model, data, label);
        int ratio = label[^1] / data[^1];
        bool exact = label[^1] == data[^1] * ratio && label[^2] == data[^2] * ratio && (label.Length == 2 || label[0] == data[0]);
        if (!exact)
            throw new ArgumentException(
                $"Labels of [{string.Join("x", label)}] are not an integer multiple of frames of [{string.Join("x", data)}]; the U-Net's head scales H and W by one integer factor.");
        if (model.SizeRatio != 0 && model.SizeRatio != ratio)
            throw new ArgumentException(
                $"[model] size_ratio = {model.SizeRatio}, but the labels are {ratio}x the data's resolution " +
                $"([{string.Join("x", label)}] vs [{string.Join("x", data)}]); set size_ratio = {ratio} or 0 (from the data).");
        return ratio;
    }

    /// <summary>
    /// Localisation needs the true positions, which simulated frames carry and imported ones may not;
    /// whole frames, as a patch's prediction does not cover its frame; and a map per step: a track
    /// map has no points to match with each step's positions.
    /// </summary>
    private static bool CanLocalise(BatchGenerator generator) =>
        generator.Source.HasPositions && generator.PatchSize == 0 && generator.LabelShape.Length == generator.FrameShape.Length;

    /// <summary>
    /// A 3-D model outputs [T, H·r, W·r] without a temporal head and [H·r, W·r] with one; the
    /// labels must be the same kind, or the loss would compare maps of different shapes.
    /// </summary>
    private static void CheckLabelRank(ModelSettings model, int[] data, int[] label)
    {
        if (data.Length != 3) return;
        bool head = model.TemporalHead != TemporalHead.None;
        if (label.Length == 2 && !head)
            throw new ArgumentException(
                $"The labels are one [{string.Join("x", label)}] map per [{string.Join("x", data)}] sequence (track labels), but the model keeps T; set [model] temporal_head = \"mean\", \"max\" or \"conv\".");
        if (label.Length == 3 && head)
            throw new ArgumentException(
                $"[model] temporal_head reduces each sequence to one map, but the labels are [{string.Join("x", label)}], one per step; set [simulation] label = \"tracks\" or temporal_head = \"none\".");
    }

    public TrainingRun Run(BatchGenerator generator, string outputDirectory, Action<TrainingProgress>? progress = null,
        CancellationToken cancellation = default, TrainingStart? start = null)
    {
        start ??= TrainingStart.Fresh;
        TorchRuntime.EnsureLoaded();
        var settings = _config.Training;
        int sizeRatio = ResolveSizeRatio(_config.Model, generator);
        var device = TorchRuntime.ResolveDevice(settings.Device);
        CheckPrecision(settings.Precision, device);
        TorchRuntime.SetThreads(settings.Threads);
        var random = new RunRandom(settings.Seed);
        CheckRetries(settings);
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
            settings.LocalisationEvery > 0 && CanLocalise(generator));
        var schedule = new LearningRateSchedule(settings);
        var hyper = HyperParameterSchedule.Create(_config, optimizer, model);
        var tracker = new ImprovementTracker();
        string runId;
        string runDirectory;
        IReadOnlyList<EpochRecord> history = [];
        if (start.Resume is { } resume)
        {
            var state = random.Use(() => Checkpoint.LoadForResume(resume, model, optimizer));
            CheckResumable(state, generator, resume);
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
            if (settings.Retries > 0 && run.LastCheckpoint is null) SaveCheckpoint(context, "last.ckpt", run.EpochsCompleted);
            Train(context);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            run.Status = TrainingStatus.Stopped;
            run.Message = $"Stopped by the user after {run.EpochsCompleted} complete epoch(s); {ResumeAdvice(run)}";
        }
        catch (Exception e)
        {
            // Anything, native (libtorch through TorchSharp) or managed, at any epoch: the run still
            // comes back, says where and why, and keeps what it had.
            Fail(run, context.Position, e);
        }
        finally
        {
            run.Duration = clock.Elapsed;
            WriteEnding(run, log);
        }
        return run;
    }

    /// <summary>Marks <paramref name="run"/> Failed with the error and where it happened.</summary>
    private static void Fail(TrainingRun run, StepPosition at, Exception e)
    {
        run.Status = TrainingStatus.Failed;
        run.Error = e;
        (run.FailedEpoch, run.FailedStep) = (at.Epoch, at.Step);
        string where = at.Epoch == 0 ? "before the first epoch"
            : at.Step == 0 ? $"at the end of epoch {at.Epoch}, writing its checkpoints and history"
            : $"at epoch {at.Epoch}, {at.Phase} step {at.Step}";
        run.Message = e is NonFiniteLossException
            ? $"{e.Message} {ResumeAdvice(run)}"
            : $"Failed {where}: {e.GetType().Name}: {e.Message} {ResumeAdvice(run)}";
    }

    /// <summary>How to go on from here: the checkpoint to resume, or why there is none.</summary>
    private static string ResumeAdvice(TrainingRun run) => run.LastCheckpoint is { } last
        ? $"{KeptEpochs(last)} epoch(s) are kept in {last}; resume with -Resume {last}."
        : run.EpochsCompleted == 0
            ? "No epoch completed, so there is nothing to resume; start the run again."
            : "training.checkpoint = \"none\" kept no last.ckpt, so the run cannot be resumed; start it again, or keep checkpoints.";

    /// <summary>
    /// The epochs last.ckpt holds: the run's, or one fewer when the run failed writing it (a full
    /// disk), since a checkpoint is replaced whole or not at all.
    /// </summary>
    private static string KeptEpochs(string checkpoint)
    {
        try
        {
            return Checkpoint.ReadState(checkpoint).Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or System.Text.Json.JsonException)
        {
            return "no readable";
        }
    }

    /// <summary>
    /// The last words of every run, however it ended: the history files (CSV, JSON, plots, page)
    /// into the run's folder beside last.ckpt, and run.log's final line. A failure here (a full
    /// disk) must not hide how the run ended, so it is added to the message instead.
    /// </summary>
    private static void WriteEnding(TrainingRun run, RunLog log)
    {
        try
        {
            HistoryExport.Write(run, run.OutputDirectory, HistoryExport.DefaultFormats, logScale: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            run.Message += (run.Message.Length > 0 ? " " : "") + $"The history files could not be written to {run.OutputDirectory}: {e.Message}";
        }
        try
        {
            log.Line($"{run.Status}{(run.Message.Length > 0 ? ": " + run.Message : "")}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            run.Message += $" run.log could not be written: {e.Message}";
        }
    }

    /// <summary>training.retries reloads last.ckpt, so it needs one to be kept.</summary>
    private void CheckRetries(TrainingSettings settings)
    {
        if (settings.Retries > 0 && settings.Checkpoint == CheckpointPolicy.None)
            throw new ConfigException(
                $"'training.retries' = {settings.Retries} reloads last.ckpt after a failed epoch, but 'training.checkpoint' = \"none\" keeps none; " +
                "use checkpoint = \"best\" or \"every\", or retries = 0",
                _config.SourcePath, key: "training.retries", value: settings.Retries.ToString(System.Globalization.CultureInfo.InvariantCulture));
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

    /// <summary>Refuses a precision the device cannot train in, naming the key.</summary>
    private void CheckPrecision(TrainingPrecision precision, Device device)
    {
        // On the CPU, libtorch 2.10's bfloat16 autocast put a 4-filter U-Net's output 37% (relative
        // L2) away from float32 here. Measured since: one 4-channel block on oneDNN 55%, the whole
        // network on libtorch's native kernels 0.16%, a 16-filter network on oneDNN 5.7%; so oneDNN's
        // bfloat16 kernels and its padded blocks are suspect. Until bf16 is checked per kernel, the
        // CPU trains in float32 only.
        if (precision != TrainingPrecision.Fp32 && device.type != DeviceType.CUDA)
            throw new ConfigException(
                $"'training.precision' = \"{ConfigEnum.NameOf(precision)}\": mixed precision needs a CUDA device, and this run is on {device}; " +
                "use \"fp32\" on the CPU, or train on cuda",
                _config.SourcePath, key: "training.precision", value: $"\"{ConfigEnum.NameOf(precision)}\"");
        if (precision != TrainingPrecision.Fp32 && !Autocast.Available)
            throw new ConfigException(
                $"'training.precision' = \"{ConfigEnum.NameOf(precision)}\": this libtorch does not export the autocast functions mixed precision needs; use \"fp32\"",
                _config.SourcePath, key: "training.precision");
    }

    /// <summary>An autocast scope for the forward pass, or null in fp32.</summary>
    private Autocast? AutocastFor(Device device) => _config.Training.Precision switch
    {
        TrainingPrecision.Bf16 => Autocast.Enter(device, half: false),
        TrainingPrecision.Fp16 => Autocast.Enter(device, half: true),
        _ => null,
    };

    /// <summary>
    /// The network's output for <paramref name="input"/>, autocast when training.precision asks, and
    /// always float32: losses and metrics are computed outside autocast, where libtorch's
    /// binary_cross_entropy refuses half-precision inputs on CUDA.
    /// </summary>
    private Tensor Forward(RunContext c, Tensor input, bool drawsRandom)
    {
        Tensor output;
        using (AutocastFor(c.Device))
            output = drawsRandom ? c.Random.Use(() => c.Model.call(input)) : c.Model.call(input);
        return output.dtype == ScalarType.Float32 ? output : output.to_type(ScalarType.Float32);
    }

    private static void CheckResumable(CheckpointState state, BatchGenerator generator, string path)
    {
        if (!state.FrameShape.SequenceEqual(generator.FrameShape) || !state.LabelShape.SequenceEqual(generator.LabelShape))
            throw new ArgumentException(
                $"{path} was trained on frames of [{string.Join("x", state.FrameShape)}] -> [{string.Join("x", state.LabelShape)}], " +
                $"but the generator holds [{string.Join("x", generator.FrameShape)}] -> [{string.Join("x", generator.LabelShape)}].");
    }

    /// <summary>What the epochs of one run share.</summary>
    private sealed record RunContext(
        UNet Model, Optimizer Optimizer, Device Device, RunRandom Random, LossScaler? Scaler, MonitoredMetric Monitor, LearningRateSchedule Schedule,
        ImprovementTracker Tracker, int SizeRatio, BatchGenerator Generator, TrainingRun Run, RunLog Log, StepPosition Position,
        Action<TrainingProgress>? Progress, CancellationToken Cancellation)
    {
        public ImprovementTracker Tracker { get; set; } = Tracker;

        /// <summary>The [schedules] of the run, applied before every training step; null without any.</summary>
        public HyperParameterSchedule? Hyper { get; init; }
    }

    /// <summary>Where the run is, so that a failure can say at which epoch and step it happened.</summary>
    private sealed class StepPosition
    {
        public int Epoch { get; private set; }
        public int Step { get; private set; }
        public string Phase { get; private set; } = "training";

        public void At(int epoch, int step, string phase) => (Epoch, Step, Phase) = (epoch, step, phase);
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

        var (training, skipped) = TrainEpoch(c, prefetcher, epoch);
        var (validation, localisation) = ValidateEpoch(c, prefetcher, epoch);
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
        SaveCheckpoints(c, record, improved);
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

    private (EpochMetrics Metrics, int Skipped) TrainEpoch(RunContext c, BatchPrefetcher prefetcher, int epoch)
    {
        var settings = _config.Training;
        bool probabilities = _config.Model.OutputActivation == OutputActivation.Sigmoid;
        bool dropout = _config.Model.Dropout > 0;
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
            var (input, target) = ToTensors(batch, c.Device);
            var sampleWeights = SampleWeights(c.Generator, batch);
            // The tensors hold copies, so the arrays can go back for the workers to refill.
            c.Generator.Recycle(batch);
            c.Optimizer.zero_grad();
            c.Hyper?.Apply(epoch, step, batches);
            // Dropout is the network's only draw from the generator; without it the forward pass
            // needs no lock, and runs side by side stay fully parallel.
            var output = Forward(c, input, dropout);
            string? problem = null;
            double lossValue = double.NaN;
            try
            {
                var loss = ComputeLoss(output, target, probabilities, epoch, step, sampleWeights);
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
            metrics.Add(lossValue, probabilities ? output : output.sigmoid(), target, _config.Evaluation.Threshold);
            c.Progress?.Invoke(new TrainingProgress(epoch, settings.Epochs, step, batches, "training", metrics.Loss));
        }
        if (step > 0 && skipped == step)
            throw new NonFiniteLossException($"Every one of the {step} training steps of epoch {epoch} had a non-finite loss or gradient; the run cannot continue. See {c.Log.Path}.");
        return (metrics, skipped);
    }

    private (EpochMetrics Metrics, LocalisationScore? Localisation) ValidateEpoch(RunContext c, BatchPrefetcher prefetcher, int epoch)
    {
        var metrics = new EpochMetrics();
        if (c.Generator.ValidationCount == 0) return (metrics, null);
        bool probabilities = _config.Model.OutputActivation == OutputActivation.Sigmoid;
        int every = _config.Training.LocalisationEvery;
        var localisation = every > 0 && epoch % every == 0 && CanLocalise(c.Generator)
            ? new LocalisationEvaluator(_config.Evaluation)
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
            var (input, target) = ToTensors(batch, c.Device);
            c.Generator.Recycle(batch);
            var output = Forward(c, input, drawsRandom: false);
            double lossValue = ComputeLoss(output, target, probabilities, epoch, ++done).item<float>();
            var probability = probabilities ? output : output.sigmoid();
            metrics.Add(lossValue, probability, target, _config.Evaluation.Threshold);
            if (localisation is not null || preview is not null) Attach(localisation, preview, c.Generator, batch, probability);
            c.Progress?.Invoke(new TrainingProgress(epoch, _config.Training.Epochs, done, batches, "validation", metrics.Loss));
        }
        if (preview is not null)
            FramePreview.Write(preview.Values.OfType<Frame>().ToList(), Path.Combine(c.Run.OutputDirectory, $"preview-epoch-{epoch:D4}.png"));
        return (metrics, localisation?.Result());
    }

    /// <summary>The first few validation frames, always the same ones, when this epoch writes a preview.</summary>
    private SortedDictionary<int, Frame?>? PreviewFramesFor(BatchGenerator generator, int epoch)
    {
        int every = _config.Training.PreviewEvery;
        if (every == 0 || epoch % every != 0 || generator.PatchSize > 0) return null;
        return new SortedDictionary<int, Frame?>(generator.EpochOrder(BatchSplit.Validation, 0)
            .Take(_config.Training.PreviewFrames).ToDictionary(i => i, _ => (Frame?)null));
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

    /// <summary>
    /// The loss, or a <see cref="NonFiniteLossException"/> when the output is not finite: libtorch's
    /// binary_cross_entropy rejects NaN inputs with an error that does not say where they came from.
    /// </summary>
    private Tensor ComputeLoss(Tensor output, Tensor target, bool probabilities, int epoch, int step, float[]? sampleWeights = null)
    {
        var s = _config.Training;
        try
        {
            return sampleWeights is null
                ? Loss.Compute(s.Loss, output, target, probabilities, s.FocalGamma, s.FocalAlpha)
                : Loss.Weighted(s.Loss, output, target, probabilities, sampleWeights, s.FocalGamma, s.FocalAlpha);
        }
        catch (System.Runtime.InteropServices.ExternalException) when (!output.isfinite().all().item<bool>())
        {
            throw new NonFiniteLossException(
                $"The network's output became non-finite at epoch {epoch}, step {step}, before the loss. " +
                "Check the input frames for NaN or infinite values; if they are clean, lower the learning rate.");
        }
    }

    /// <summary>
    /// Each training sample's loss weight, its class's (New-BatchGenerator -ClassWeight); null when
    /// the generator weights no class. Validation stays unweighted, so val_loss compares across runs.
    /// </summary>
    internal static float[]? SampleWeights(BatchGenerator generator, Batch batch) =>
        generator.ClassWeights is { } weights && batch.ClassLabels is { } classes
            ? Array.ConvertAll(classes, k => (float)weights[k])
            : null;

    internal static (Tensor Input, Tensor Target) ToTensors(Batch batch, Device device)
    {
        var input = NativeCopy(batch.Data, batch.Shape);
        var target = NativeCopy(batch.Label, batch.LabelShape);
        return device.type == DeviceType.CPU ? (input, target) : (input.to(device), target.to(device));
    }

    /// <summary>
    /// A tensor in libtorch's own memory holding a copy of <paramref name="values"/>, so nothing the
    /// network keeps for its backward pass points into the managed heap.
    /// </summary>
    internal static Tensor NativeCopy(float[] values, int[] shape)
    {
        var result = empty(shape.Select(d => (long)d).ToArray(), ScalarType.Float32);
        result.bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan());
        return result;
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

    private void SaveCheckpoints(RunContext c, EpochRecord record, bool improved)
    {
        var policy = _config.Training.Checkpoint;
        if (policy == CheckpointPolicy.None) return;
        c.Run.LastCheckpoint = SaveCheckpoint(c, "last.ckpt", record.Epoch);
        if (improved) c.Run.BestCheckpoint = SaveCheckpoint(c, "best.ckpt", record.Epoch);
        if (policy == CheckpointPolicy.Every) SaveCheckpoint(c, $"epoch-{record.Epoch:D4}.ckpt", record.Epoch);
    }

    /// <summary>Writes the run as it stands after <paramref name="epoch"/> (0: before the first) to <paramref name="name"/> in its folder.</summary>
    private string SaveCheckpoint(RunContext c, string name, int epoch)
    {
        var state = new CheckpointState
        {
            RunId = c.Run.RunId,
            Epoch = epoch,
            ConfigToml = ConfigTemplate.Write(c.Run.Config),
            SizeRatio = c.SizeRatio,
            FrameShape = c.Generator.FrameShape,
            LabelShape = c.Generator.LabelShape,
            History = [.. c.Run.History],
            BestEpoch = c.Tracker.BestEpoch,
            BestValue = c.Tracker.BestValue,
            EpochsWithoutImprovement = c.Tracker.EpochsWithoutImprovement,
            Schedule = c.Schedule.State,
            TrainableParameters = c.Run.TrainableParameters,
        };
        string path = Path.Combine(c.Run.OutputDirectory, name);
        c.Random.Use(() => Checkpoint.Save(path, state, c.Model, c.Optimizer));
        if (name == "last.ckpt") c.Run.LastCheckpoint = path;
        return path;
    }
}

/// <summary>Best value of the monitored metric so far, and for how many epochs it has not improved.</summary>
internal sealed class ImprovementTracker(int bestEpoch = 0, double bestValue = double.NaN, int epochsWithoutImprovement = 0)
{
    public int BestEpoch { get; private set; } = bestEpoch;
    public double BestValue { get; private set; } = bestValue;
    public int EpochsWithoutImprovement { get; private set; } = epochsWithoutImprovement;

    /// <summary>Records an epoch's value; true when it is a new best.</summary>
    public bool Update(int epoch, double value, MonitoredMetric metric)
    {
        if (metric.IsBetter(value, BestValue))
        {
            (BestEpoch, BestValue, EpochsWithoutImprovement) = (epoch, value, 0);
            return true;
        }
        EpochsWithoutImprovement++;
        return false;
    }
}

/// <summary>The loss or a gradient became NaN or infinite; the message names where.</summary>
public sealed class NonFiniteLossException(string message) : Exception(message);
