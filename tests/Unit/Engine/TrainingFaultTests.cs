using System.Runtime.InteropServices;
using System.Text.Json;
using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Models;
using DataPipeline.Engine.Reporting;
using DataPipeline.Engine.Runtime;
using DataPipeline.Engine.Training;
using Xunit;

namespace DataPipeline.Tests.Engine;

/// <summary>
/// Runs that meet errors: a failed run says so and keeps everything, a failed epoch is retried
/// from last.ckpt, every ending leaves its files, a run folder reads back, absurd sizes are refused.
/// </summary>
public sealed class TrainingFaultTests : IDisposable
{
    private readonly string _output = Directory.CreateTempSubdirectory("dp-faults-").FullName;

    public void Dispose() => Directory.Delete(_output, recursive: true);

    /// <summary>
    /// Frames that fail to copy when told to, as a file on a flaky share would, with the exception
    /// type libtorch's native errors arrive as (TorchSharp throws ExternalException).
    /// </summary>
    private sealed class FlakySource(IReadOnlyList<Frame> frames) : IFrameSource
    {
        private readonly FrameList _frames = new(frames);
        private int _failures;

        /// <summary>The next <paramref name="reads"/> frame copies throw.</summary>
        public void FailNext(int reads) => Interlocked.Exchange(ref _failures, reads);

        public int Count => _frames.Count;
        public int[] FrameShape => _frames.FrameShape;
        public int[] LabelShape => _frames.LabelShape;
        public bool HasPositions => _frames.HasPositions;
        public bool IsChunked => false;
        public long ChunkOf(int position) => position;
        public Frame Read(int position) => _frames.Read(position);
        public string SourceLabel(int position) => "flaky";

        public IReadOnlyList<ScattererPosition>? CopyTo(int position, Span<float> data, Span<float> label)
        {
            if (Interlocked.Decrement(ref _failures) >= 0)
                throw new ExternalException($"injected fault reading frame {position}");
            return _frames.CopyTo(position, data, label);
        }
    }

    private static PipelineConfig Config(int epochs, int retries = 0)
    {
        var config = TrainerTests.SmallConfig(epochs);
        config.Model.Dropout = 0.2; // draws from libtorch's generator: a retry must restore it
        config.Training.Retries = retries;
        return config;
    }

    private static (BatchGenerator Generator, FlakySource Source) Flaky(PipelineConfig config)
    {
        var source = new FlakySource(BatchGeneratorTests.Frames(48));
        return (new BatchGenerator(source, config.Batch), source);
    }

    /// <summary>
    /// A progress callback that makes the given epochs' training fail once each: the first read of
    /// epoch 1, or the next read after the epoch before ends.
    /// </summary>
    private static Action<TrainingProgress> FailIn(FlakySource source, params int[] epochs)
    {
        var pending = new HashSet<int>(epochs);
        if (pending.Remove(1)) source.FailNext(1);
        return p =>
        {
            int next = p.CompletedEpoch is { } done ? done.Epoch + 1 : 0;
            if (pending.Remove(next)) source.FailNext(1);
        };
    }

    [Fact]
    public void AnErrorInAStepGivesAFailedRunThatKeepsEverything()
    {
        var config = Config(epochs: 5);
        var (generator, source) = Flaky(config);
        var run = new Trainer(config).Run(generator, _output, FailIn(source, 3));

        Assert.Equal(TrainingStatus.Failed, run.Status);
        Assert.IsType<ExternalException>(run.Error);
        Assert.Equal(3, run.FailedEpoch);
        Assert.InRange(run.FailedStep, 1, generator.TrainingBatchesPerEpoch);
        Assert.Contains($"at epoch 3, training step {run.FailedStep}: ExternalException: injected fault", run.Message);
        Assert.Contains("resume with -Resume " + Path.Combine(run.OutputDirectory, "last.ckpt"), run.Message);
        Assert.Equal([1, 2], run.History.Select(r => r.Epoch));

        // last.ckpt is epoch 2's, whole: it resumes.
        var state = Checkpoint.ReadState(run.LastCheckpoint!);
        Assert.Equal(2, state.Epoch);
        Assert.Equal(run.History, state.History);
        // The history so far, as files in the run's folder, re-read.
        var csv = File.ReadAllLines(Path.Combine(run.OutputDirectory, run.RunId + ".history.csv"));
        Assert.Equal(3, csv.Length);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(run.OutputDirectory, run.RunId + ".history.json")));
        Assert.Equal("Failed", json.RootElement.GetProperty("status").GetString());
        Assert.Equal(3, json.RootElement.GetProperty("failed_epoch").GetInt32());
        Assert.True(File.Exists(Path.Combine(run.OutputDirectory, run.RunId + ".loss.png")));
        Assert.True(File.Exists(Path.Combine(run.OutputDirectory, run.RunId + ".html")));
        var log = File.ReadAllLines(run.LogPath!);
        Assert.Matches(@" Failed: Failed at epoch 3, training step \d+: ExternalException: injected fault", log[^1]);
        Assert.Empty(Directory.GetFiles(run.OutputDirectory, "*.tmp"));
    }

    [Fact]
    public void ARetriedEpochComputesWhatTheFailedOneWouldHave()
    {
        var whole = new Trainer(Config(epochs: 4)).Run(Flaky(Config(epochs: 4)).Generator, _output);

        var config = Config(epochs: 4, retries: 2);
        var (generator, source) = Flaky(config);
        var warnings = new List<string>();
        var fail = FailIn(source, 1, 3); // epoch 1 has no last.ckpt of its own: the run keeps an epoch-0 one
        var retried = new Trainer(config).Run(generator, _output, p => { fail(p); if (p.Warning is not null) warnings.Add(p.Warning); });

        Assert.True(retried.Status == TrainingStatus.Completed, retried.Message);
        Assert.Equal([1, 0, 1, 0], retried.History.Select(r => r.Retries));
        Assert.Equal(2, retried.Retries);
        Assert.Equal(whole.History.Select(r => r.Loss), retried.History.Select(r => r.Loss));
        Assert.Equal(whole.History.Select(r => r.ValLoss), retried.History.Select(r => r.ValLoss));
        Assert.Equal(2, warnings.Count(w => w.Contains("retrying it from")));
        var log = File.ReadAllText(retried.LogPath!);
        Assert.Contains("epoch 1 failed at training step", log);
        Assert.Contains("retry 1 of 2: reloaded " + retried.LastCheckpoint + " (after epoch 0); running epoch 1 again", log);
        Assert.Contains("retry 2 of 2: reloaded " + retried.LastCheckpoint + " (after epoch 2); running epoch 3 again", log);
        var csv = File.ReadAllLines(Path.Combine(retried.OutputDirectory, retried.RunId + ".history.csv"));
        Assert.EndsWith(",retries", csv[0]);
        Assert.Equal(["1", "0", "1", "0"], csv[1..].Select(l => l.Split(',')[^1]));
    }

    [Fact]
    public void ARunFailsWhenItsRetriesAreSpent()
    {
        var config = Config(epochs: 3, retries: 1);
        var (generator, source) = Flaky(config);
        var run = new Trainer(config).Run(generator, _output, p => { if (p.CompletedEpoch?.Epoch == 1) source.FailNext(1000); });

        Assert.Equal(TrainingStatus.Failed, run.Status);
        Assert.Equal(2, run.FailedEpoch);
        Assert.Equal([1], run.History.Select(r => r.Epoch));
        Assert.Single(File.ReadAllLines(run.LogPath!), l => l.Contains("retry 1 of 1"));
    }

    [Fact]
    public void RetriesWithoutCheckpointsAreRefusedNamingBothKeys()
    {
        var config = Config(epochs: 1, retries: 1);
        config.Training.Checkpoint = CheckpointPolicy.None;
        var e = Assert.Throws<ConfigException>(() => new Trainer(config).Run(Flaky(config).Generator, _output));
        Assert.Equal("training.retries", e.Key);
        Assert.Contains("'training.checkpoint' = \"none\"", e.Message);
    }

    [Fact]
    public void AStoppedRunNamesItsCheckpointAndWritesItsFiles()
    {
        var config = Config(epochs: 50);
        using var stop = new CancellationTokenSource();
        var run = new Trainer(config).Run(Flaky(config).Generator, _output, p => { if (p.CompletedEpoch?.Epoch == 2) stop.Cancel(); }, stop.Token);

        Assert.Equal(TrainingStatus.Stopped, run.Status);
        string last = Path.Combine(run.OutputDirectory, "last.ckpt");
        Assert.Equal($"Stopped by the user after 2 complete epoch(s); 2 epoch(s) are kept in {last}; resume with -Resume {last}.", run.Message);
        Assert.Equal(2, Checkpoint.ReadState(last).Epoch);
        Assert.EndsWith(" Stopped: " + run.Message, File.ReadAllLines(run.LogPath!)[^1]);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(run.OutputDirectory, run.RunId + ".history.csv")).Length);
        Assert.True(File.Exists(Path.Combine(run.OutputDirectory, run.RunId + ".summary.png")));

        // Stopped in its first epoch, a run has nothing to resume, and says that instead.
        using var early = new CancellationTokenSource();
        var first = new Trainer(config).Run(Flaky(config).Generator, _output, p => { if (p.Batch == 1) early.Cancel(); }, early.Token);
        Assert.Equal(TrainingStatus.Stopped, first.Status);
        Assert.Contains("No epoch completed, so there is nothing to resume", first.Message);
        Assert.DoesNotContain("no checkpoint was kept", first.Message);
    }

    [Fact]
    public void ARunFolderReadsBackAsTheRun()
    {
        var config = Config(epochs: 3);
        var (generator, source) = Flaky(config);
        var run = new Trainer(config).Run(generator, _output, FailIn(source, 3));
        Assert.Equal(TrainingStatus.Failed, run.Status);

        var read = RunFolder.Load(run.OutputDirectory);
        Assert.Equal(run.RunId, read.RunId);
        Assert.Equal(run.Status, read.Status);
        Assert.Equal(run.Message, read.Message);
        Assert.Equal((3, run.FailedStep), (read.FailedEpoch, read.FailedStep));
        Assert.Equal(run.History, read.History);
        Assert.Equal(run.Layers, read.Layers);
        Assert.Equal(ConfigTemplate.Write(run.Config), ConfigTemplate.Write(read.Config));
        Assert.Equal((run.BestEpoch, run.BestValue, run.Monitor), (read.BestEpoch, read.BestValue, read.Monitor));
        Assert.Equal((run.TrainableParameters, run.TotalParameters, run.Device), (read.TrainableParameters, read.TotalParameters, read.Device));
        Assert.Equal(run.InputShape, read.InputShape);
        Assert.Equal((run.TrainingFrames, run.ValidationFrames, run.EpochsPlanned), (read.TrainingFrames, read.ValidationFrames, read.EpochsPlanned));
        Assert.Equal(run.LastCheckpoint, read.LastCheckpoint);
        Assert.Equal(run.BestCheckpoint, read.BestCheckpoint);
        Assert.Equal(run.LogPath, read.LogPath);
        Assert.Equal(run.StartTime, read.StartTime);

        // What Export-TrainingHistory writes from the read-back run is what it wrote from the live one.
        string live = Path.Combine(_output, "live"), back = Path.Combine(_output, "back");
        HistoryExport.Write(run, live, [HistoryFormat.Csv, HistoryFormat.Json], logScale: false);
        HistoryExport.Write(read, back, [HistoryFormat.Csv, HistoryFormat.Json], logScale: false);
        foreach (string file in Directory.GetFiles(live))
            Assert.Equal(File.ReadAllText(file), File.ReadAllText(Path.Combine(back, Path.GetFileName(file))));
    }

    [Fact]
    public void EveryHistoryColumnReadsBackFromJson()
    {
        var run = new TrainingRun("20261122-000000-abcdef", new PipelineConfig(), _output) { Status = TrainingStatus.Completed };
        // A distinct value in every column, so that a column read into the wrong property, or not read, shows.
        int column = 0;
        var record = new EpochRecord
        {
            Epoch = 1, Loss = ++column, ValLoss = ++column, Mse = ++column, ValMse = ++column, Dice = ++column, ValDice = ++column,
            Precision = ++column, ValPrecision = ++column, Recall = ++column, ValRecall = ++column, ValF1 = ++column, ValJaccard = ++column, ValRmsePx = ++column,
            LearningRate = ++column, Seconds = ++column, DataWaitSeconds = ++column, SkippedSteps = ++column, Retries = ++column,
        };
        Assert.Equal(HistoryMetric.Columns.Count, column);
        run.Add(record);
        string path = Path.Combine(_output, "run.history.json");
        File.WriteAllText(path, HistoryFiles.ToJson(run));

        Assert.Equal(record, Assert.Single(HistoryFiles.FromJson(path, _output).History));
    }

    [Fact]
    public void TheLogAndCheckpointRecordTheGeneratorsSettingsNotTheFiles()
    {
        var config = Config(epochs: 1);
        Assert.Equal(8, config.Batch.BatchSize);
        var generator = new BatchGenerator(BatchGeneratorTests.Frames(48), new BatchSettings { BatchSize = 4, ValidationFraction = 0.25, Replacement = true },
            new AugmentSettings { Flip = true });
        var run = new Trainer(config).Run(generator, _output);

        var log = File.ReadAllLines(run.LogPath!);
        Assert.Contains(log, l => l.EndsWith(" batches of 4: uniform draws with replacement; 36 training and 12 validation frames, 9 training batches per epoch; augmentation flip"));
        Assert.Contains(log, l => l.EndsWith("  batch_size = 4"));
        Assert.DoesNotContain(log, l => l.EndsWith("  batch_size = 8"));
        Assert.Contains(log, l => l.EndsWith("  flip = true"));
        Assert.Equal(4, run.Config.Batch.BatchSize);
        Assert.Equal(4, Checkpoint.ConfigOf(Checkpoint.ReadState(run.LastCheckpoint!), run.LastCheckpoint!).Batch.BatchSize);
    }

    [Fact]
    public void ANetworkThatCannotFitIsRefusedBeforeAllocating()
    {
        var config = Config(epochs: 1);
        (config.Model.Filters, config.Model.Depth) = (4096, 10);
        var generator = new BatchGenerator(BatchGeneratorTests.Frames(8, size: 1024), new BatchSettings { BatchSize = 2 });
        var e = Assert.Throws<MemoryLimitExceededException>(() => new Trainer(config).Run(generator, _output));
        Assert.Equal("model.filters", e.Key);
        Assert.Equal("4096", e.Value);
        Assert.Equal(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, e.LimitBytes);
        Assert.Contains("Lower 'model.filters' or 'model.depth'", e.Message);
        Assert.Contains("the limit is this machine's memory", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(_output)); // refused before the run began

        var model = Assert.Throws<MemoryLimitExceededException>(() => UNetModel.Create(config, 2));
        Assert.Equal("model.filters", model.Key);
    }

    [Fact]
    public void BatchesThatCannotFitAreRefusedNamingTheBatchSize()
    {
        var config = Config(epochs: 1);
        config.Model.Filters = 64;
        // 16x16 frames, but 2^21 of them per batch: the activations, not the weights, are too big.
        var e = Assert.Throws<MemoryLimitExceededException>(() => MemoryBudget.Check(config, [1024, 1024], sizeRatio: 2, batchSize: 1 << 21));
        Assert.Equal("batch.batch_size", e.Key);
        Assert.Equal((1 << 21).ToString(), e.Value);
        Assert.Contains("Lower 'batch.batch_size'", e.Message);
        // The small network and batches of this suite pass.
        MemoryBudget.Check(TrainerTests.SmallConfig(), [32, 32], sizeRatio: 2, batchSize: 8);
    }

    [Fact]
    public void AParameterCountBeyondALongIsInfiniteNotWrapped()
    {
        // Past the file's ranges, as the engine's API allows: 2^30 channels at the bottom.
        var model = new ModelSettings { Depth = 10, Filters = 1 << 20 };
        Assert.Throws<OverflowException>(() => UNetParameterFormula.Count(model, 2));
        Assert.Equal(double.PositiveInfinity, MemoryBudget.Parameters(model, 2));
    }

    [Theory]
    [InlineData("[model]\nfilters = 100000", "model.filters", "allowed range is [1, 4096]")]
    [InlineData("[model]\ndepth = 50", "model.depth", "allowed range is [1, 10]")]
    [InlineData("[simulation]\nsize = 1e9", "simulation.size", "allowed range is [4, 4096]")]
    [InlineData("[simulation]\nsize = 1000000000", "simulation.size", "allowed range is [4, 4096]")]
    [InlineData("[batch]\nbatch_size = 100000000", "batch.batch_size", "allowed range is [1, 65536]")]
    public void AbsurdSizesInAFileAreRefusedWithTheKeyAndTheLimit(string toml, string key, string range)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(toml, "cfg.toml"));
        Assert.Equal(key, e.Key);
        Assert.Contains($"'{key}' = ", e.Message);
        Assert.Contains(range, e.Message);
        Assert.Contains("cfg.toml", e.Message);
    }

    [Fact]
    public void SimulatedFramesThatCannotFitAreRefusedNamingTheKeys()
    {
        var settings = new SimulationSettings { Size = 4096, Frames = 1024, SizeRatio = 2 };
        var e = Assert.Throws<ArgumentException>(() => new DataPipeline.Engine.Simulation.ScattererSimulator(settings));
        Assert.Equal($"A 1024x8192x8192 label is too large for one frame (at most {Array.MaxLength} values); lower simulation.size, simulation.frames or simulation.size_ratio.", e.Message);
    }

    /// <summary>Frames of a shape, never read: enough for a generator to size its buffers.</summary>
    private sealed class ShapeOnlySource(int[] frame, int[] label) : IFrameSource
    {
        public int Count => 2;
        public int[] FrameShape => frame;
        public int[] LabelShape => label;
        public bool HasPositions => false;
        public bool IsChunked => false;
        public long ChunkOf(int position) => position;
        public Frame Read(int position) => throw new InvalidOperationException("not read");
        public string SourceLabel(int position) => "shape";
        public IReadOnlyList<ScattererPosition>? CopyTo(int position, Span<float> data, Span<float> label) => throw new InvalidOperationException("not read");
    }

    [Fact]
    public void BatchBuffersThatCannotFitAreRefusedNamingTheBatchSize()
    {
        var source = new ShapeOnlySource([1024, 1024], [2048, 2048]);
        Assert.True(MemoryBudget.Limit < 6 * 65536 * 5 * 4.0 * 1024 * 1024, "this machine has room for the batches");
        var e = Assert.Throws<MemoryLimitExceededException>(() => new BatchGenerator(source, new BatchSettings { BatchSize = 65536, ValidationFraction = 0 }));
        Assert.Equal(("batch.batch_size", "65536"), (e.Key, e.Value));
        Assert.Contains("6 batches in flight (2 prefetched, 1 worker(s)) of 65536 frames of 1024x1024 would need", e.Message);
        Assert.NotNull(new BatchGenerator(source, new BatchSettings { BatchSize = 2, ValidationFraction = 0 }));
    }

    [Fact]
    public void AFullDiskFailsTheRunNamingThePathAndKeepsEveryEarlierCheckpoint()
    {
        string disk = Path.Combine(_output, "small-disk");
        Directory.CreateDirectory(disk);
        Command("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", disk);
        try
        {
            // Leave about 700 kB: a few epochs of checkpoints (about 120 kB each here) and history files.
            var free = new DriveInfo(disk).AvailableFreeSpace;
            File.WriteAllBytes(Path.Combine(disk, "filler"), new byte[free - 700_000]);
            var config = Config(epochs: 100);
            config.Training.Checkpoint = CheckpointPolicy.Every;
            var run = new Trainer(config).Run(Flaky(config).Generator, disk);

            Assert.Equal(TrainingStatus.Failed, run.Status);
            var error = Assert.IsAssignableFrom<IOException>(run.Error);
            Assert.StartsWith("Could not write " + run.OutputDirectory + Path.DirectorySeparatorChar, error.Message);
            Assert.Contains("No space left on device", error.Message);
            Assert.Contains(error.Message, run.Message);
            Assert.InRange(run.EpochsCompleted, 1, 20);
            // Every checkpoint the disk holds is whole and loads; last.ckpt is the latest epoch that fitted.
            var checkpoints = Directory.GetFiles(run.OutputDirectory, "*.ckpt");
            Assert.Contains(Path.Combine(run.OutputDirectory, "epoch-0001.ckpt"), checkpoints);
            foreach (string checkpoint in checkpoints)
            {
                using var network = new UNet(config.Model, 2);
                var state = Checkpoint.LoadModel(checkpoint, network);
                Assert.Equal(run.History.Take(state.Epoch), state.History);
            }
            int kept = Checkpoint.ReadState(run.LastCheckpoint!).Epoch;
            Assert.InRange(kept, run.EpochsCompleted - 1, run.EpochsCompleted);
            Assert.Contains($"{kept} epoch(s) are kept in {run.LastCheckpoint}", run.Message);
            Assert.Empty(Directory.GetFiles(run.OutputDirectory, "*.tmp"));
        }
        finally
        {
            Command("umount", disk);
        }
    }

    private static void Command(string program, params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo(program) { RedirectStandardError = true };
        foreach (string arg in args) start.ArgumentList.Add(arg);
        using var process = System.Diagnostics.Process.Start(start)!;
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', args)} failed ({process.ExitCode}; a tmpfs needs root): {stderr}");
    }
}
