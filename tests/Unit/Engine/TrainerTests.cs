using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Training;
using Xunit;

namespace DataPipeline.Tests.Engine;

public sealed class TrainerTests : IDisposable
{
    private readonly string _output = Directory.CreateTempSubdirectory("dp-trainer-").FullName;

    public void Dispose() => Directory.Delete(_output, recursive: true);

    internal static PipelineConfig SmallConfig(int epochs = 3)
    {
        var config = ConfigLoader.LoadFile(SharedPaths.SmallConfig);
        config.Training.Epochs = epochs;
        return config;
    }

    private static BatchGenerator Generator(PipelineConfig config, int frames = 48) =>
        new(BatchGeneratorTests.Frames(frames), config.Batch);

    [Fact]
    public void TrainsRecordsEveryEpochAndKeepsCheckpoints()
    {
        var config = SmallConfig(epochs: 4);
        config.Training.PreviewEvery = 2;
        var reports = new List<TrainingProgress>();
        var run = new Trainer(config).Run(Generator(config), _output, reports.Add);

        Assert.True(run.Status == TrainingStatus.Completed, run.Message);
        Assert.Equal([1, 2, 3, 4], run.History.Select(r => r.Epoch));
        Assert.True(run.History[^1].Loss < run.History[0].Loss, $"loss {run.History[0].Loss} -> {run.History[^1].Loss}");
        Assert.All(run.History, r =>
        {
            Assert.True(double.IsFinite(r.ValLoss));
            Assert.InRange(r.Dice, 0, 1);
            Assert.InRange(r.Precision, 0, 1);
            Assert.InRange(r.Recall, 0, 1);
            Assert.InRange(r.DataWaitSeconds, 0, r.Seconds);
        });
        Assert.Equal(36, run.TrainingFrames);
        Assert.Equal(12, run.ValidationFrames);
        Assert.Equal(run.History.MinBy(r => r.ValLoss)!.Epoch, run.BestEpoch);
        Assert.True(File.Exists(run.BestCheckpoint));
        Assert.True(File.Exists(run.LastCheckpoint));
        Assert.Empty(Directory.GetFiles(run.OutputDirectory, "*.tmp"));
        Assert.Equal(["preview-epoch-0002.png", "preview-epoch-0004.png"], Directory.GetFiles(run.OutputDirectory, "preview-*.png").Select(Path.GetFileName).Order());
        // 5 training batches (36 frames / 8) and 2 validation batches per epoch, plus one epoch report.
        Assert.Equal(4 * (5 + 2 + 1), reports.Count);
        Assert.Equal(4, reports.Count(r => r.CompletedEpoch is not null));
    }

    [Fact]
    public void TheSameSeedGivesTheSameLossesOnCpu()
    {
        var config = SmallConfig(epochs: 2);
        var a = new Trainer(config).Run(Generator(config), _output);
        var b = new Trainer(config).Run(Generator(config), _output);
        Assert.Equal(a.History.Select(r => r.Loss), b.History.Select(r => r.Loss));
        Assert.Equal(a.History.Select(r => r.ValLoss), b.History.Select(r => r.ValLoss));
        Assert.NotEqual(a.RunId, b.RunId);
    }

    [Fact]
    public void CancellationStopsAfterTheCurrentStepAndKeepsTheHistory()
    {
        var config = SmallConfig(epochs: 50);
        using var stop = new CancellationTokenSource();
        var run = new Trainer(config).Run(Generator(config), _output, p =>
        {
            if (p.CompletedEpoch?.Epoch == 2) stop.Cancel();
        }, stop.Token);
        Assert.True(run.Status == TrainingStatus.Stopped, run.Message);
        Assert.Equal(2, run.EpochsCompleted);
        Assert.Contains("Stopped by the user", run.Message);
        Assert.True(File.Exists(run.LastCheckpoint));
    }

    private static BatchGenerator WithNaNInFirstBatch(PipelineConfig config)
    {
        var frames = BatchGeneratorTests.Frames(16);
        frames[0].Data[5] = float.NaN;
        config.Batch.ValidationFraction = 0;
        config.Batch.Shuffle = false;
        return new BatchGenerator(frames, config.Batch);
    }

    [Fact]
    public void NonFiniteStepStopsTheRunWithTheStepNamedWhenAskedTo()
    {
        var config = SmallConfig(epochs: 2);
        config.Training.NonFinite = NonFinitePolicy.Stop;
        var run = new Trainer(config).Run(WithNaNInFirstBatch(config), _output);
        Assert.Equal(TrainingStatus.Failed, run.Status);
        Assert.Contains("epoch 1, step 1", run.Message);
        Assert.Empty(run.History);
        Assert.Contains("epoch 1, step 1", File.ReadAllText(run.LogPath!));
    }

    [Fact]
    public void NonFiniteStepIsSkippedByDefaultAndCounted()
    {
        var config = SmallConfig(epochs: 2);
        var warnings = new List<string>();
        var run = new Trainer(config).Run(WithNaNInFirstBatch(config), _output, p => { if (p.Warning is not null) warnings.Add(p.Warning); });
        Assert.True(run.Status == TrainingStatus.Completed, run.Message);
        Assert.Equal([1, 1], run.History.Select(r => r.SkippedSteps));
        Assert.All(run.History, r => Assert.True(double.IsFinite(r.Loss)));
        Assert.Equal(2, warnings.Count);
    }

    [Fact]
    public void AResumedRunHasTheSameHistoryAsAnUninterruptedOne()
    {
        var config = SmallConfig(epochs: 4);
        config.Model.Dropout = 0.2; // dropout draws from libtorch's generator, which the checkpoint must restore
        config.Training.LrSchedule = ScheduleKind.Cosine;
        var whole = new Trainer(config).Run(Generator(config), _output);

        using var stop = new CancellationTokenSource();
        var first = new Trainer(config).Run(Generator(config), _output, p => { if (p.CompletedEpoch?.Epoch == 2) stop.Cancel(); }, stop.Token);
        Assert.Equal(TrainingStatus.Stopped, first.Status);
        var resumed = new Trainer(config).Run(Generator(config), _output, start: new TrainingStart(Resume: first.LastCheckpoint));

        Assert.True(resumed.Status == TrainingStatus.Completed, resumed.Message);
        Assert.Equal(first.RunId, resumed.RunId);
        Assert.Equal(whole.History.Select(r => r.Loss), resumed.History.Select(r => r.Loss));
        Assert.Equal(whole.History.Select(r => r.ValLoss), resumed.History.Select(r => r.ValLoss));
        Assert.Equal(whole.History.Select(r => r.LearningRate), resumed.History.Select(r => r.LearningRate));
        var log = File.ReadAllText(resumed.LogPath!);
        Assert.Contains("resumed run " + first.RunId + " after epoch 2", log);
    }

    [Fact]
    public void EarlyStoppingEndsTheRunWhenTheMonitoredMetricStalls()
    {
        var config = SmallConfig(epochs: 30);
        // With no learning and a fixed batch order, every epoch's training loss equals the first.
        config.Training.LearningRate = 0;
        config.Batch.Shuffle = false;
        config.Training.Monitor = "loss";
        config.Training.EarlyStoppingPatience = 2;
        var run = new Trainer(config).Run(Generator(config), _output);
        Assert.Equal(TrainingStatus.EarlyStopped, run.Status);
        Assert.Equal(3, run.EpochsCompleted);
        Assert.Equal(1, run.BestEpoch);
        Assert.Contains("loss has not improved for 2 epochs", run.Message);
    }

    [Theory]
    [InlineData(OptimizerKind.Adam)]
    [InlineData(OptimizerKind.AdamW)]
    [InlineData(OptimizerKind.Sgd)]
    [InlineData(OptimizerKind.RmsProp)]
    [InlineData(OptimizerKind.Adadelta)]
    public void EveryOptimizerTrains(OptimizerKind optimizer)
    {
        var config = SmallConfig(epochs: 2);
        config.Training.Optimizer = optimizer;
        config.Training.LearningRate = optimizer switch { OptimizerKind.Adadelta => 1.0, OptimizerKind.RmsProp => 1e-3, _ => 0.01 };
        config.Training.GradientClipNorm = 1.0;
        config.Training.Checkpoint = CheckpointPolicy.Every;
        var run = new Trainer(config).Run(Generator(config), _output);
        Assert.True(run.Status == TrainingStatus.Completed, run.Message);
        Assert.True(run.History[1].Loss < run.History[0].Loss, $"{optimizer}: {run.History[0].Loss} -> {run.History[1].Loss}");
        Assert.True(File.Exists(Path.Combine(run.OutputDirectory, "epoch-0002.ckpt")));
    }

    [Fact]
    public void CheckpointsCarryTheConfigurationAndRefuseForeignFiles()
    {
        var config = SmallConfig(epochs: 1);
        config.Model.Filters = 6;
        var run = new Trainer(config).Run(Generator(config), _output);
        Assert.True(run.BestCheckpoint is not null, $"{run.Status}: {run.Message}");
        var state = Checkpoint.ReadState(run.BestCheckpoint);
        Assert.Equal(1, state.Epoch);
        Assert.Equal(6, Checkpoint.ConfigOf(state, run.BestCheckpoint!).Model.Filters);
        Assert.Equal(run.TrainableParameters, state.TrainableParameters);

        string foreign = Path.Combine(_output, "foreign.ckpt");
        File.WriteAllText(foreign, "not a checkpoint");
        Assert.Contains("not a DataPipeline checkpoint", Assert.Throws<InvalidDataException>(() => Checkpoint.ReadState(foreign)).Message);
    }

    [Fact]
    public void SizeRatioMismatchIsExplained()
    {
        var config = SmallConfig();
        config.Model.SizeRatio = 3;
        var e = Assert.Throws<ArgumentException>(() => new Trainer(config).Run(Generator(config, 16), _output));
        Assert.Contains("size_ratio = 3", e.Message);
        Assert.Contains("2x", e.Message);
    }

    [Fact]
    public void MissingCudaIsAClearError()
    {
        var config = SmallConfig();
        config.Training.Device = "cuda";
        if (DataPipeline.Engine.Runtime.TorchRuntime.CudaAvailable) return; // the CPU-only message is what is tested here
        var e = Assert.Throws<ArgumentException>(() => new Trainer(config).Run(Generator(config, 16), _output));
        Assert.Contains("CUDA is not available", e.Message);
    }
}
