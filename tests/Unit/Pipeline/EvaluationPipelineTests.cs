using System.Management.Automation;
using DataPipeline.Engine.Evaluation;
using DataPipeline.Engine.Frames;
using Xunit;

namespace DataPipeline.Tests.Pipeline;

/// <summary>Measure-Localization through the real PowerShell engine with the module imported.</summary>
public sealed class EvaluationPipelineTests : IDisposable
{
    private readonly ModuleSession _session = new();

    public void Dispose() => _session.Dispose();

    [Fact]
    public void EmitsOneUnrolledResultAfterTheLastFrame()
    {
        var output = _session.Ok("""
            New-SyntheticFrame -Count 5 -Size 32 -Frames 2 -Seed 7 |
                ForEach-Object { $_.WithPrediction($_.Label) } |
                Measure-Localization -Refine Centroid
            """);
        var result = Assert.IsType<EvaluationResult>(Assert.Single(output).BaseObject);
        Assert.Equal(5, result.FrameCount);
        Assert.All(result.Frames, f => Assert.Equal(2, f.Steps.Count));
        Assert.Equal(result.TruePositives, result.Frames.Sum(f => f.TruePositives));
        Assert.Equal(0, result.FalsePositives);
    }

    [Fact]
    public void AFrameWithoutPredictionIsANonTerminatingErrorTargetingTheFrame()
    {
        var run = _session.Run("""
            $frames = New-SyntheticFrame -Count 3 -Size 16 -Seed 1
            $frames[0], $frames[1].WithPrediction($frames[1].Label), $frames[2] | Measure-Localization
            """);
        Assert.Null(run.Terminating);
        Assert.Equal(2, run.Errors.Count);
        Assert.All(run.Errors, e => Assert.Equal(ErrorCategory.InvalidData, e.CategoryInfo.Category));
        Assert.Equal(2, Assert.IsType<Frame>(run.Errors[1].TargetObject).Index);
        var result = Assert.IsType<EvaluationResult>(Assert.Single(run.Output).BaseObject);
        Assert.Equal(1, result.FrameCount);
    }
}
