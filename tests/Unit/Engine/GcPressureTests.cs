using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Simulation;
using DataPipeline.Engine.Training;
using Xunit;

namespace DataPipeline.Tests.Engine;

/// <summary>
/// The real Trainer under GC pressure (issue 12). Before the implicit Scalars and temporary
/// wrappers on its path were made explicit and owned, this configuration died under the same
/// thread at steps 47, 695 and 715 (native errors from c10/core/Scalar.h) or with a segfault in
/// THSGenerator_get_rng_state or THSTensor_clone (bench soak, see bench/README.md).
/// </summary>
public sealed class GcPressureTests : IDisposable
{
    private readonly string _output = Directory.CreateTempSubdirectory("dp-gc-").FullName;

    public void Dispose() => Directory.Delete(_output, recursive: true);

    [Fact]
    public void ATinyUNetTrainsAThousandStepsWhileAThreadCollects()
    {
        var config = new PipelineConfig();
        config.Model.Filters = 2;
        config.Model.Depth = 1;
        config.Training.Loss = LossKind.BceDice;
        config.Training.Optimizer = OptimizerKind.AdamW;
        config.Training.WeightDecay = 1e-4;
        config.Training.Threads = 1;
        config.Training.Checkpoint = CheckpointPolicy.Every;
        config.Training.LocalisationEvery = 0;
        config.Batch.BatchSize = 4;
        config.Batch.ValidationFraction = 0.25;
        var frames = new ScattererSimulator(new SimulationSettings { Size = 16, SizeRatio = 1, Seed = 3 }).Generate(0, 64).ToList();
        var generator = new BatchGenerator(frames, config.Batch);
        config.Training.Epochs = 1000 / generator.TrainingBatchesPerEpoch;

        TrainingRun run;
        using (new CollectingThread())
            run = new Trainer(config).Run(generator, _output);

        Assert.True(run.Status == TrainingStatus.Completed, $"{run.Status}: {run.Message}");
        Assert.Equal(config.Training.Epochs, run.EpochsCompleted);
        Assert.All(run.History, r => Assert.True(double.IsFinite(r.Loss) && double.IsFinite(r.ValLoss)));
    }
}
