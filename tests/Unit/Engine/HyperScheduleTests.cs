using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Training;
using DataPipeline.Engine.Training.Optimizers;
using Xunit;
using static TorchSharp.torch;

namespace DataPipeline.Tests.Engine;

/// <summary>[schedules]: elektronn2's dec, lindec and list forms for any optimizer hyper-parameter.</summary>
public sealed class HyperScheduleTests : IDisposable
{
    private readonly string _output = Directory.CreateTempSubdirectory("dp-hyper-").FullName;

    public void Dispose() => Directory.Delete(_output, recursive: true);

    private static PipelineConfig Parse(string schedules, string training = "") =>
        ConfigLoader.Parse($"[training]\n{training}\n[schedules]\n{schedules}\n", "test.toml");

    [Fact]
    public void DecMultipliesByTheFactorEveryNSteps()
    {
        var s = Parse("learning_rate = { kind = \"dec\", factor = 0.5, every = 2, per = \"iteration\" }").Schedules.LearningRate!;
        Assert.Equal([1, 1, 0.5, 0.5, 0.25, 0.25], Enumerable.Range(0, 6).Select(n => s.ValueAt(1, n)));
    }

    [Fact]
    public void LindecMovesLinearlyToTheTargetAndStaysThere()
    {
        var s = Parse("momentum = { kind = \"lindec\", target = 0.9, steps = 4, per = \"iteration\" }").Schedules.Momentum!;
        double[] expected = [0.5, 0.6, 0.7, 0.8, 0.9, 0.9, 0.9];
        var actual = new long[] { 0, 1, 2, 3, 4, 5, 100 }.Select(n => s.ValueAt(0.5, n)).ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 12);
    }

    [Fact]
    public void ListHoldsEachValueFromItsStepOn()
    {
        var s = Parse("weight_decay = { kind = \"list\", values = { 5 = 0.01, 2 = 0.1 }, per = \"epoch\" }").Schedules.WeightDecay!;
        Assert.Equal(ScheduleUnit.Epoch, s.Per);
        Assert.Equal([1, 1, 0.1, 0.1, 0.1, 0.01, 0.01], Enumerable.Range(0, 7).Select(n => s.ValueAt(1, n)));
    }

    [Fact]
    public void TheTemplateWritesSchedulesBackInAFormTheLoaderReads()
    {
        var config = Parse("""
            momentum = { kind = "lindec", target = 0.99, steps = 1000, per = "iteration" }
            dropout = { kind = "list", values = { 0 = 0.3, 10 = 0.1 }, per = "epoch" }
            learning_rate = { kind = "dec", factor = 0.995 }
            """);
        var again = ConfigLoader.Parse(ConfigTemplate.Write(config), "again.toml").Schedules;
        Assert.Equal("{ kind = \"lindec\", target = 0.99, steps = 1000, per = \"iteration\" }", again.Momentum!.ToToml());
        Assert.Equal("{ kind = \"list\", values = { 0 = 0.3, 10 = 0.1 }, per = \"epoch\" }", again.Dropout!.ToToml());
        Assert.Equal("{ kind = \"dec\", factor = 0.995, every = 1, per = \"iteration\" }", again.LearningRate!.ToToml());
        Assert.Null(again.WeightDecay);
        // Unset keys are written commented out, with an example that is itself valid.
        var template = ConfigTemplate.Write(new PipelineConfig());
        Assert.Contains("# weight_decay = { kind = \"list\"", template);
    }

    [Theory]
    [InlineData("momentum = 0.9", "expected an inline table")]
    [InlineData("momentum = { target = 0.9, steps = 10 }", "'kind' is missing")]
    [InlineData("momentum = { kind = \"cosine\" }", "'kind' is one of \"dec\", \"lindec\", \"list\"")]
    [InlineData("momentum = { kind = \"dec\", factor = 0 }", "'factor' must be above 0")]
    [InlineData("momentum = { kind = \"lindec\", target = 0.9, steps = 10, factor = 2 }", "'factor' is not a key of kind \"lindec\"")]
    [InlineData("momentum = { kind = \"lindec\", target = 0.9, steps = 1.5 }", "'steps' must be an integer")]
    [InlineData("momentum = { kind = \"list\", values = { x = 0.9 } }", "must be a step count")]
    [InlineData("momentum = { kind = \"dec\", factor = 0.9, per = \"batch\" }", "'per' is one of \"iteration\", \"epoch\"")]
    public void MalformedSchedulesNameTheFileLineAndKey(string line, string message)
    {
        var e = Assert.Throws<ConfigException>(() => Parse(line));
        Assert.Equal("schedules.momentum", e.Key);
        Assert.Equal(4, e.Line);
        Assert.Contains(message, e.Message);
        Assert.StartsWith("test.toml:4:", e.Message);
    }

    [Fact]
    public void SgdUsesTheMomentumAndWeightDecaySetBetweenSteps()
    {
        using var scope = NewDisposeScope();
        var p = new TorchSharp.Modules.Parameter(tensor(new double[] { 1.0 }));
        using var sgd = new Sgd([p], 0.1, momentum: 0.5);
        void Step(double g)
        {
            p.grad = tensor(new double[] { g });
            sgd.step();
        }
        // Step 1: buffer b = g = 2, θ = 1 - 0.1·2 = 0.8.
        Step(2);
        Assert.Equal(0.8, p.data<double>()[0], 12);
        // Step 2 at momentum 0.9 and weight decay 0.5: d = 1 + 0.5·0.8 = 1.4, b = 0.9·2 + 1.4 = 3.2, θ = 0.8 - 0.32.
        sgd.SetMomentum(0.9);
        sgd.SetWeightDecay(0.5);
        Step(1);
        Assert.Equal(0.48, p.data<double>()[0], 12);
        Assert.Equal(0.9, sgd.Momentum);
        Assert.Equal(0.5, sgd.WeightDecay);
    }

    [Fact]
    public void AdamsMomentumIsBeta1InTheUpdateAndItsBiasCorrection()
    {
        using var scope = NewDisposeScope();
        var p = new TorchSharp.Modules.Parameter(tensor(new double[] { 1.0 }));
        using var adam = new Adam([p], 0.1, beta1: 0.9, beta2: 0.999, eps: 0);
        p.grad = tensor(new double[] { 1.0 });
        adam.step(); // m = 0.1, v = 0.001: θ = 1 - 0.1·(0.1/0.1)/(√0.001/√0.001) = 0.9
        Assert.Equal(0.9, p.data<double>()[0], 12);
        adam.SetMomentum(0.5);
        p.grad = tensor(new double[] { 3.0 });
        adam.step();
        // PyTorch with betas changed to (0.5, 0.999) before step 2:
        double m = 0.5 * 0.1 + 0.5 * 3, v = 0.999 * 0.001 + 0.001 * 9;
        double expected = 0.9 - 0.1 / (1 - 0.25) * m / (Math.Sqrt(v) / Math.Sqrt(1 - 0.999 * 0.999));
        Assert.Equal(expected, p.data<double>()[0], 12);
    }

    [Fact]
    public void AdadeltaHasNoMomentumToSchedule()
    {
        var config = TrainerTests.SmallConfig(epochs: 1);
        var text = File.ReadAllText(SharedPaths.SmallConfig).Replace("[training]\n", "[training]\noptimizer = \"adadelta\"\n")
            + "\n[schedules]\nmomentum = { kind = \"lindec\", target = 0.9, steps = 10 }\n";
        config = ConfigLoader.Parse(text, "small.toml");
        var e = Assert.Throws<ConfigException>(() => new Trainer(config).Run(new BatchGenerator(BatchGeneratorTests.Frames(16), config.Batch), _output));
        Assert.Equal("schedules.momentum", e.Key);
        Assert.Contains("Adadelta has none", e.Message);
    }

    [Fact]
    public void ATrainingRunFollowsItsSchedulesStepByStep()
    {
        // small.toml: 48 frames, 36 for training in batches of 8: 5 steps per epoch.
        string text = File.ReadAllText(SharedPaths.SmallConfig)
            .Replace("[training]\n", "[training]\noptimizer = \"sgd\"\nmomentum = 0.5\nepochs = 3\n")
            .Replace("dropout = 0\n", "dropout = 0.4\n") + """

            [schedules]
            learning_rate = { kind = "dec", factor = 0.5, per = "epoch" }
            momentum = { kind = "lindec", target = 0.9, steps = 10, per = "iteration" }
            dropout = { kind = "list", values = { 2 = 0.1 }, per = "epoch" }
            """;
        var config = ConfigLoader.Parse(text, "small.toml");
        var run = new Trainer(config).Run(new BatchGenerator(BatchGeneratorTests.Frames(48), config.Batch), _output);
        Assert.True(run.Status == TrainingStatus.Completed, run.Message);
        Assert.Equal([0.01, 0.005, 0.0025], run.History.Select(r => r.LearningRate));
        var log = File.ReadAllLines(run.LogPath!);
        // Iterations before epochs 1, 2, 3: 0, 5, 10; momentum 0.5 + 0.4·n/10.
        Assert.Contains(log, l => l.EndsWith("epoch 1 starts with learning_rate 0.01, momentum 0.5, dropout 0.4"));
        Assert.Contains(log, l => l.EndsWith("epoch 2 starts with learning_rate 0.005, momentum 0.7, dropout 0.4"));
        Assert.Contains(log, l => l.EndsWith("epoch 3 starts with learning_rate 0.0025, momentum 0.9, dropout 0.1"));
    }
}
