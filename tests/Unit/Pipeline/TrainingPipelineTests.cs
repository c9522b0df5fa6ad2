using System.Globalization;
using System.Management.Automation;
using System.Text.Json;
using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Sweeps;
using DataPipeline.Engine.Training;
using Xunit;

namespace DataPipeline.Tests.Pipeline;

/// <summary>The user-facing pipelines, run through the real PowerShell engine with the module imported.</summary>
public sealed class TrainingPipelineTests() : PipelineFolder("dp-pipeline-")
{
    [Fact]
    public void QuickStartPipelineTrainsAndWritesHistoryAndPlots()
    {
        var output = Session.Ok("""
            New-SyntheticFrame -Count 64 -Config small.toml |
                New-BatchGenerator -Config small.toml |
                Invoke-UNetTraining -Config small.toml -Epochs 3 -OutputDirectory runs |
                Export-TrainingHistory -Path out -PassThru
            """);
        var files = output.Select(o => (FileInfo)o.BaseObject).Select(f => f.Name).ToList();
        string runId = Path.GetFileName(Assert.Single(Directory.GetDirectories(Path.Combine(Dir, "runs"))));
        Assert.All(files, f => Assert.StartsWith(runId + ".", f));
        var kinds = files.Select(f => f[(runId.Length + 1)..]).ToList();
        Assert.Equal(["history.csv", "history.json"], kinds[..2]);
        Assert.Equal("html", kinds[^1]);
        Assert.Subset(kinds.ToHashSet(), new HashSet<string> { "loss.png", "mse.png", "dice.png", "precision.png", "recall.png", "val_f1.png", "learning_rate.png", "summary.png" });

        var csv = File.ReadAllLines(Path.Combine(Dir, "out", runId + ".history.csv"));
        Assert.Equal(4, csv.Length); // header + 3 epochs
        double Loss(int row) => double.Parse(csv[row].Split(',')[1], CultureInfo.InvariantCulture);
        Assert.True(Loss(3) < Loss(1), $"training loss did not fall: {Loss(1)} -> {Loss(3)}");

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, "out", runId + ".history.json")));
        Assert.Equal(3, json.RootElement.GetProperty("history").GetArrayLength());
        Assert.Equal("Completed", json.RootElement.GetProperty("status").GetString());
        // Simulated frames carry their scatterers, so localisation is scored on the validation split.
        Assert.InRange(json.RootElement.GetProperty("history")[2].GetProperty("val_f1").GetDouble(), 0, 1);
        // The page lists the trained model's real layers.
        string html = File.ReadAllText(Path.Combine(Dir, "out", runId + ".html"));
        Assert.Contains("Conv2d", html);
        Assert.Contains("learning_rate = 0.01", html);
    }

    [Fact]
    public void ASweepTwoRunsAtATimeGivesTheSequentialResultsInTheSameOrder()
    {
        // Dropout draws from libtorch's one generator during training, so this also checks that runs
        // side by side keep their own random streams. The sequential sweep uses the thread count
        // that two runs at once get, so the arithmetic is the same.
        int share = Math.Max(1, Environment.ProcessorCount / 2);
        const string sweep = """
            $frames = New-SyntheticFrame -Count 16 -Config small.toml
            $frames | Invoke-TrainingSweep -Config small.toml -OutputDirectory runs -ThrottleLimit {0} -Parameter @{
                'model.dropout' = 0.2, 0
                'training.learning_rate' = 0.01, 0.02
                'training.epochs' = 2
                'training.threads' = {1}
            }
            """;
        var sequential = Session.Ok(sweep.Replace("{0}", "1").Replace("{1}", $"{share}")).Select(o => (SweepRun)o.BaseObject).ToList();
        var parallel = Session.Ok(sweep.Replace("{0}", "2").Replace("{1}", "1")).Select(o => (SweepRun)o.BaseObject).ToList();
        Assert.All(parallel, r => Assert.Equal(share, r.Run!.Threads));

        Assert.Equal([1, 2, 3, 4], parallel.Select(r => r.Number));
        Assert.Equal(sequential.Select(r => r.Description), parallel.Select(r => r.Description));
        Assert.All(parallel, r => Assert.Equal(SweepState.Completed, r.Status));
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(sequential[i].Run!.History.Select(h => h.Loss), parallel[i].Run!.History.Select(h => h.Loss));
            Assert.Equal(sequential[i].Run!.History.Select(h => h.ValLoss), parallel[i].Run!.History.Select(h => h.ValLoss));
        }
        // The four learning-rate and dropout settings do train differently.
        Assert.Equal(4, parallel.Select(r => r.Run!.History[^1].Loss).Distinct().Count());
    }

    [Fact]
    public void Fp16OnTheCpuIsAnInvalidArgumentErrorNamingTheKey()
    {
        var run = Session.Run("New-SyntheticFrame -Count 8 -Config small.toml | Invoke-UNetTraining -Config small.toml -Epochs 1 -Device cpu -Precision Fp16 -OutputDirectory runs");
        Assert.Empty(run.Output);
        Assert.Equal(ErrorCategory.InvalidArgument, run.Error.CategoryInfo.Category);
        Assert.Equal("training.precision", run.Error.TargetObject);
        Assert.Contains("needs a CUDA device", run.Error.Exception.Message);
    }

    [Fact]
    public void TrainingRunCarriesHistoryAndParameterCount()
    {
        var run = (TrainingRun)Session.Ok("New-SyntheticFrame -Count 24 -Config small.toml | Invoke-UNetTraining -Config small.toml -Epochs 2 -OutputDirectory runs")
            .Single().BaseObject;
        Assert.Equal(TrainingStatus.Completed, run.Status);
        Assert.Equal(2, run.History.Count);
        Assert.Equal(DataPipeline.Engine.Models.UNetParameterFormula.Count(run.Config.Model, 2), run.TrainableParameters);
        Assert.Equal([32, 32], run.InputShape);
        Assert.Equal([64, 64], run.OutputShape);
    }

    [Fact]
    public void SyntheticFramesAreTheSameForTheSameSeed()
    {
        var a = Session.Ok("New-SyntheticFrame -Count 2 -Seed 7 -Size 16").Select(o => (Frame)o.BaseObject).ToList();
        var b = Session.Ok("New-SyntheticFrame -Count 2 -Seed 7 -Size 16").Select(o => (Frame)o.BaseObject).ToList();
        Assert.Equal(2, a.Count);
        Assert.Equal(a[1].Data, b[1].Data);
        Assert.NotEqual(a[0].Data, a[1].Data);
        Assert.NotEqual(a[1].Data, ((Frame)Session.Ok("New-SyntheticFrame -Count 2 -Seed 8 -Size 16")[1].BaseObject).Data);
    }

    [Fact]
    public void GeneratorPipedFromAVariableStaysOneObject()
    {
        var output = Session.Ok("""
            $g = New-SyntheticFrame -Count 20 -Size 16 | New-BatchGenerator -BatchSize 4 -ValidationFraction 0.2
            $g | Get-Batch | ForEach-Object { $_.Indices.Count }
            """);
        Assert.Equal([4, 4, 4, 4], output.Select(o => (int)o.BaseObject));
        var generator = (BatchGenerator)Session.Ok("New-SyntheticFrame -Count 20 -Size 16 | New-BatchGenerator -Shuffle:$false").Single().BaseObject;
        Assert.False(generator.Shuffle);
    }

    [Fact]
    public void UnknownConfigKeyIsAnInvalidDataErrorNamingFileLineAndKey()
    {
        File.WriteAllText(Path.Combine(Dir, "bad.toml"), "[training]\nepochs = 2\nlearning_rat = 0.1\n");
        var result = Session.Run("New-SyntheticFrame -Count 4 -Size 16 | Invoke-UNetTraining -Config bad.toml");
        var error = result.Error;
        Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
        Assert.StartsWith("InvalidConfiguration", error.FullyQualifiedErrorId);
        Assert.Contains("bad.toml:3", error.Exception.Message);
        Assert.Contains("training.learning_rat", error.Exception.Message);
        Assert.Equal(Path.Combine(Dir, "bad.toml"), error.TargetObject);
    }

    [Fact]
    public void MissingConfigFileIsObjectNotFound()
    {
        var result = Session.Run("New-SyntheticFrame -Count 1 -Config nope.toml");
        var error = result.Error;
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Contains("nope.toml", error.Exception.Message);
    }

    [Fact]
    public void MismatchedFramesAreRejectedBeforeTraining()
    {
        var result = Session.Run("@(New-SyntheticFrame -Count 2 -Size 16) + @(New-SyntheticFrame -Count 2 -Size 32) | New-BatchGenerator");
        var error = result.Error;
        Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
        Assert.Contains("Frame 2", error.Exception.Message);
    }

    [Fact]
    public void ExportWhatIfWritesNothing()
    {
        Session.Ok("New-SyntheticFrame -Count 16 -Config small.toml | Invoke-UNetTraining -Config small.toml -Epochs 1 -OutputDirectory runs | Export-TrainingHistory -Path whatif -WhatIf");
        Assert.False(Directory.Exists(Path.Combine(Dir, "whatif")));
    }

    [Fact]
    public void NewTrainingConfigWritesEveryKeyAndRefusesToOverwrite()
    {
        Session.Ok("New-TrainingConfig -Path all.toml");
        string text = File.ReadAllText(Path.Combine(Dir, "all.toml"));
        Assert.Contains("learning_rate = 0.001", text);
        var again = Session.Run("New-TrainingConfig -Path all.toml");
        Assert.Equal(ErrorCategory.ResourceExists, again.Error.CategoryInfo.Category);
        // The written file drives a run unchanged.
        Session.Ok("New-SyntheticFrame -Count 8 -Size 16 | New-BatchGenerator -Config all.toml | Out-Null");
    }

    [Fact]
    public void UnavailableCudaIsAnInvalidArgumentError()
    {
        if (DataPipeline.Engine.Runtime.TorchRuntime.CudaAvailable) return; // this checks the CPU-only build's message
        var result = Session.Run("New-SyntheticFrame -Count 8 -Config small.toml | Invoke-UNetTraining -Config small.toml -Device cuda");
        var error = result.Error;
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Contains("CUDA is not available", error.Exception.Message);
    }
}
