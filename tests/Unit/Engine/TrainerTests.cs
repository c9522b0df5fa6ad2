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

    [Fact]
    public void NonFiniteDataFailsTheRunWithTheStepNamed()
    {
        var config = SmallConfig(epochs: 2);
        var frames = BatchGeneratorTests.Frames(16);
        frames[0].Data[5] = float.NaN;
        config.Batch.ValidationFraction = 0;
        config.Batch.Shuffle = false;
        var run = new Trainer(config).Run(new BatchGenerator(frames, config.Batch), _output);
        Assert.Equal(TrainingStatus.Failed, run.Status);
        Assert.Contains("epoch 1, step 1", run.Message);
        Assert.Empty(run.History);
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
