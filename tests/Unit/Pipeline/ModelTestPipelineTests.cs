using System.Management.Automation;
using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Evaluation;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Training;
using Xunit;

namespace DataPipeline.Tests.Pipeline;

/// <summary>Test-UNetModel and sliding-window prediction through the real PowerShell engine.</summary>
public sealed class ModelTestPipelineTests() : PipelineFolder("dp-modeltest-")
{
    [Fact]
    public void MovingScatterers3DTrainEndToEndAndTestOnTheValidationSplit()
    {
        var output = Session.Ok("""
            $generator = New-SyntheticFrame -Count 16 -Config small3d.toml | New-BatchGenerator -Config small3d.toml
            $run = $generator | Invoke-UNetTraining -Config small3d.toml -Epochs 2 -OutputDirectory runs
            $tested = $generator | Test-UNetModel -Checkpoint $run.LastCheckpoint -Device cpu
            $validation = foreach ($i in $generator.EpochOrder('Validation', 0)) { $generator.ReadFrame($i) }
            $measured = $validation | Invoke-UNetPrediction -Checkpoint $run.LastCheckpoint -Device cpu | Measure-Localization
            $generator, $run, $tested, $measured
            """);
        var generator = Assert.IsType<BatchGenerator>(output[0].BaseObject);
        var run = Assert.IsType<TrainingRun>(output[1].BaseObject);
        var tested = Assert.IsType<EvaluationResult>(output[2].BaseObject);
        var measured = Assert.IsType<EvaluationResult>(output[3].BaseObject);

        Assert.True(run.Status == TrainingStatus.Completed, run.Message);
        Assert.Equal([4, 16, 16], run.InputShape);
        Assert.Equal([1, 2], run.History.Select(r => r.Epoch));
        Assert.All(run.History, r => Assert.True(double.IsFinite(r.Loss) && double.IsFinite(r.ValLoss), $"epoch {r.Epoch}: {r.Loss}, {r.ValLoss}"));

        // The scatterers move: some scatterer sits elsewhere at its last step than at its first.
        var validation = generator.EpochOrder(BatchSplit.Validation, 0).Select(generator.ReadFrame).ToList();
        Assert.Contains(validation.SelectMany(f => f.Positions!).GroupBy(p => p.Scatterer),
            g => g.Select(p => (p.Row, p.Column)).Distinct().Count() > 1);

        // Every true position of every time step is either found or missed, and every detection is counted once.
        int truths = validation.Sum(f => f.Positions!.Count);
        Assert.Equal(generator.ValidationCount, tested.FrameCount);
        Assert.All(tested.Frames, f => Assert.Equal(4, f.Steps.Count));
        Assert.Equal(truths, tested.TruePositives + tested.FalseNegatives);
        Assert.Equal(tested.Frames.Sum(f => f.Steps.Sum(s => s.Detections.Count)), tested.TruePositives + tested.FalsePositives);
        Assert.InRange(tested.RocAuc, 0, 1);

        // The same model scored the long way (Invoke-UNetPrediction | Measure-Localization) gives the same numbers.
        Assert.Equal((measured.TruePositives, measured.FalsePositives, measured.FalseNegatives),
            (tested.TruePositives, tested.FalsePositives, tested.FalseNegatives));
        Assert.Equal(measured.RocAuc, tested.RocAuc);
        Assert.Equal(measured.BestThreshold, tested.BestThreshold);
    }

    [Fact]
    public void APatchTrainedModelTestsLargerFramesThroughSlidingWindows()
    {
        var output = Session.Ok("""
            $run = New-SyntheticFrame -Count 16 -Config small.toml | Invoke-UNetTraining -Config small.toml -Epochs 1 -OutputDirectory runs
            $large = New-SyntheticFrame -Count 3 -Size 64 -SizeRatio 2 -Seed 21
            $predicted = $large | Invoke-UNetPrediction -Checkpoint $run.LastCheckpoint -Device cpu -Overlap 8 -BatchSize 3
            $result = $large | Test-UNetModel -Checkpoint $run.LastCheckpoint -Device cpu -Overlap 8 -Threshold 0.3 -TolerancePx 2
            $predicted
            $result
            """);
        var predicted = output.Take(3).Select(o => Assert.IsType<Frame>(o.BaseObject)).ToList();
        Assert.All(predicted, f => Assert.Equal([128, 128], f.PredictionShape!));
        Assert.All(predicted, f => Assert.All(f.Prediction!, v => Assert.InRange(v, 0f, 1f)));
        var result = Assert.IsType<EvaluationResult>(output[3].BaseObject);
        Assert.Equal(3, result.FrameCount);
        Assert.Equal(0.3, result.Threshold);
        Assert.Equal(2.0, result.TolerancePx);
        Assert.Equal(predicted.Sum(f => f.Positions!.Count), result.TruePositives + result.FalseNegatives);
    }

    [Fact]
    public void AGeneratorWithoutValidationFramesIsAnInvalidArgumentError()
    {
        var run = Session.Run("""
            $model = New-UNetModel -Config small.toml -SizeRatio 2
            New-SyntheticFrame -Count 4 -Config small.toml | New-BatchGenerator -ValidationFraction 0 | Test-UNetModel -Model $model -Device cpu
            """);
        Assert.Empty(run.Output);
        Assert.Equal(ErrorCategory.InvalidArgument, run.Error.CategoryInfo.Category);
        Assert.Contains("-ValidationFraction", run.Error.Exception.Message);
    }

    [Fact]
    public void AFractionalOverlapAboveOneIsRejectedNamingTheValue()
    {
        var run = Session.Run("""
            $model = New-UNetModel -Config small.toml -SizeRatio 2
            New-SyntheticFrame -Count 1 -Config small.toml | Invoke-UNetPrediction -Model $model -Overlap 1.5 -Device cpu
            """);
        Assert.Equal(ErrorCategory.InvalidArgument, run.Error.CategoryInfo.Category);
        Assert.Contains("-Overlap 1.5", run.Error.Exception.Message);
    }
}
