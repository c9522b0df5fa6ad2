using System.Management.Automation;
using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Simulation;
using Xunit;

namespace DataPipeline.Tests.Pipeline;

/// <summary>New-BatchGenerator over stores and several sources, through the real PowerShell engine.</summary>
public sealed class BatchGeneratorPipelineTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dp-batch-").FullName;
    private readonly ModuleSession _session;

    public BatchGeneratorPipelineTests() => _session = new ModuleSession(_dir);

    public void Dispose()
    {
        _session.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void PipedFramesAndAStoreAreBatchedAsOneDataset()
    {
        _session.Ok("New-SyntheticFrame -Count 30 -Size 16 -SizeRatio 2 -Seed 4 | Export-FrameDataset -Path stored.h5");
        var output = _session.Ok(
            "$g = New-SyntheticFrame -Count 10 -Size 16 -SizeRatio 2 -Seed 9 | New-BatchGenerator -Path stored.h5 -BatchSize 8 -ValidationFraction 0 -Seed 3; " +
            "$g; Get-Batch -Generator $g -Epoch 1");
        var generator = (BatchGenerator)output[0].BaseObject;
        Assert.Equal(40, generator.FrameCount);
        var batches = output.Skip(1).Select(o => (Batch)o.BaseObject).ToList();
        Assert.Equal(5, batches.Count);
        var indices = batches.SelectMany(b => b.Indices).ToArray();
        Assert.Equal(Enumerable.Range(0, 40), indices.Order());
        Assert.NotEqual(indices.Order(), indices);
        // Position 10 is the store's first frame: simulated frame 0 of seed 4.
        var stored = new ScattererSimulator(new SimulationSettings { Size = 16, SizeRatio = 2, Seed = 4 }).Render(0);
        var batch = batches.First(b => b.Indices.Contains(10));
        int at = Array.IndexOf(batch.Indices, 10);
        Assert.Equal(stored.Data, batch.Data.AsSpan(at * 256, 256).ToArray());
        Assert.Equal(stored.Label, batch.Label.AsSpan(at * 1024, 1024).ToArray());
        Assert.Equal("stored.h5", generator.Source.SourceLabel(10));
        generator.Dispose();
    }

    [Fact]
    public void AStoreAloneStreamsWithTheConfiguredWindow()
    {
        _session.Ok("New-SyntheticFrame -Count 24 -Size 16 -SizeRatio 2 -Seed 4 | Export-FrameDataset -Path s.h5");
        var generator = (BatchGenerator)_session.Ok("New-BatchGenerator -Path s.h5 -ShuffleWindow 3 -BatchSize 4 -ValidationFraction 0.25")[0].BaseObject;
        Assert.Equal(3, generator.ShuffleWindow);
        Assert.Equal((18, 6), (generator.TrainingCount, generator.ValidationCount));
        generator.Dispose();
    }

    [Fact]
    public void MissingStoresAndNoFramesAreErrorsThatSayWhatToDo()
    {
        var missing = _session.Run("New-BatchGenerator -Path nothere.h5").Error;
        Assert.Equal(ErrorCategory.ObjectNotFound, missing.CategoryInfo.Category);
        Assert.Equal(Path.Combine(_dir, "nothere.h5"), missing.TargetObject);

        File.WriteAllText(Path.Combine(_dir, "text.h5"), "not hdf5");
        var unreadable = _session.Run("New-SyntheticFrame -Count 4 -Size 16 | New-BatchGenerator -Path text.h5").Error;
        Assert.Equal(ErrorCategory.InvalidData, unreadable.CategoryInfo.Category);
        Assert.Contains("frame store", unreadable.Exception.Message);

        var none = _session.Run("New-BatchGenerator -BatchSize 4").Error;
        Assert.Equal(ErrorCategory.InvalidArgument, none.CategoryInfo.Category);
        Assert.Contains("-Path", none.Exception.Message);
    }

    [Fact]
    public void ValidationInputAndSourceWeightsShapeTheSplitAndTheDraws()
    {
        _session.Ok("New-SyntheticFrame -Count 20 -Size 16 -SizeRatio 2 -Seed 4 | Export-FrameDataset -Path heavy.h5");
        var output = _session.Ok(
            "$held = New-SyntheticFrame -Count 6 -Size 16 -SizeRatio 2 -Seed 5; " +
            "New-SyntheticFrame -Count 20 -Size 16 -SizeRatio 2 -Seed 9 | " +
            "New-BatchGenerator -Path heavy.h5 -SourceWeight 1, 3 -ValidationInput $held -BatchSize 10 -Seed 2");
        var generator = (BatchGenerator)output[0].BaseObject;
        Assert.Equal((40, 6), (generator.TrainingCount, generator.ValidationCount));
        Assert.Equal([40, 41, 42, 43, 44, 45], generator.EpochOrder(BatchSplit.Validation, 0));
        Assert.True(generator.Weighted);
        int fromStore = 0;
        for (int epoch = 0; epoch < 200; epoch++)
            fromStore += generator.EpochOrder(BatchSplit.Training, epoch).Count(i => i is >= 20 and < 40);
        // 8000 draws, 3/4 expected from the store: 6000 +- 5 x 39.
        Assert.InRange(fromStore, 6000 - 195, 6000 + 195);
        Assert.Equal("validation", generator.GetBatches(BatchSplit.Validation).First().Sources[0]);
        generator.Dispose();

        var conflict = _session.Run("New-SyntheticFrame -Count 8 -Size 16 | New-BatchGenerator -ValidationInput (New-SyntheticFrame -Count 2 -Size 16) -ValidationFraction 0.5").Error;
        Assert.Equal(("ConflictingSplits", ErrorCategory.InvalidArgument), (conflict.FullyQualifiedErrorId.Split(',')[0], conflict.CategoryInfo.Category));
        var weights = _session.Run("New-SyntheticFrame -Count 8 -Size 16 | New-BatchGenerator -Weight 1, 2").Error;
        Assert.Contains("one per frame", weights.Exception.Message);
    }

    [Fact]
    public void ReplacementComesFromTheSwitchOrTheConfig()
    {
        File.WriteAllText(Path.Combine(_dir, "cfg.toml"), "[batch]\nreplacement = true\nvalidation_fraction = 0.0\n");
        var fromConfig = (BatchGenerator)_session.Ok("New-SyntheticFrame -Count 30 -Size 16 | New-BatchGenerator -Config cfg.toml")[0].BaseObject;
        Assert.True(fromConfig.Replacement);
        Assert.True(fromConfig.EpochOrder(BatchSplit.Training, 0).Distinct().Count() < 30);
        var fromSwitch = (BatchGenerator)_session.Ok("New-SyntheticFrame -Count 30 -Size 16 | New-BatchGenerator -Replacement")[0].BaseObject;
        Assert.True(fromSwitch.Replacement);
    }

    [Fact]
    public void PatchesFromTheCommandLineReachTheBatches()
    {
        var output = _session.Ok("$g = New-SyntheticFrame -Count 8 -Size 64 -SizeRatio 2 -Seed 1 | New-BatchGenerator -PatchSize 16 -PatchOnLabel -BatchSize 4 -ValidationFraction 0; $g; Get-Batch $g -First 1");
        var generator = (BatchGenerator)output[0].BaseObject;
        Assert.Equal((16, true), (generator.PatchSize, generator.PatchOnLabel));
        var batch = (Batch)output[1].BaseObject;
        Assert.Equal([4, 1, 16, 16], batch.Shape);
        Assert.Equal([4, 1, 32, 32], batch.LabelShape);
        var refused = _session.Run("New-SyntheticFrame -Count 4 -Size 16 | New-BatchGenerator -PatchSize 32").Error;
        Assert.Equal(ErrorCategory.InvalidData, refused.CategoryInfo.Category);
        Assert.Contains("does not fit", refused.Exception.Message);
    }

    [Fact]
    public void OutOfPlaneReRendersStoredSimulatedFramesFromTheirOrigin()
    {
        _session.Ok("New-SyntheticFrame -Count 8 -Size 16 -SizeRatio 2 -Frames 3 -Scatterers 2, 4 -Seed 6 | Export-FrameDataset -Path sim.h5");
        var batch = (Batch)_session.Ok("Get-Batch (New-BatchGenerator -Path sim.h5 -OutOfPlane 1 -BatchSize 8 -ValidationFraction 0 -Shuffle:$false) -First 1")[0].BaseObject;
        var simulator = new ScattererSimulator(new SimulationSettings { Size = 16, SizeRatio = 2, Frames = 3, Scatterers = new(2, 4), Seed = 6 });
        for (int s = 0; s < 8; s++)
        {
            var frame = simulator.Render(s);
            var all = frame.Positions!.Select(p => p.Scatterer).ToHashSet();
            Assert.All(batch.Positions[s]!, p => Assert.False(p.InData));
            Assert.Equal(simulator.Render(s, all).Data, batch.Data.AsSpan(s * 768, 768).ToArray());
            Assert.Equal(frame.Label, batch.Label.AsSpan(s * 3072, 3072).ToArray());
        }
    }

    [Fact]
    public void AStoreCanBeTheValidationInput()
    {
        _session.Ok("New-SyntheticFrame -Count 5 -Size 16 -SizeRatio 2 -Seed 4 | Export-FrameDataset -Path held.h5");
        var generator = (BatchGenerator)_session.Ok("New-SyntheticFrame -Count 12 -Size 16 -SizeRatio 2 -Seed 9 | New-BatchGenerator -ValidationInput held.h5 -BatchSize 4")[0].BaseObject;
        Assert.Equal((12, 5), (generator.TrainingCount, generator.ValidationCount));
        var validation = generator.GetBatches(BatchSplit.Validation).SelectMany(b => b.Sources).ToArray();
        Assert.Equal(Enumerable.Repeat("held.h5", 5), validation);
        var stored = new ScattererSimulator(new SimulationSettings { Size = 16, SizeRatio = 2, Seed = 4 }).Render(2);
        Assert.Equal(stored.Data, generator.ReadFrame(14).Data);
        generator.Dispose();
    }
}
