using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Evaluation;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Inference;
using DataPipeline.Engine.Models;
using DataPipeline.Engine.Runtime;
using DataPipeline.Engine.Simulation;
using DataPipeline.Engine.Training;
using Xunit;
using static TorchSharp.torch;

namespace DataPipeline.Tests.Engine;

/// <summary>
/// [model] temporal_head: a 3-D U-Net that reduces [T, H, W] to one [H·r, W·r] map, its parameter
/// count against hand counts, and training, prediction and evaluation against track labels.
/// </summary>
public sealed class TemporalHeadTests : IDisposable
{
    private readonly string _output = Directory.CreateTempSubdirectory("dp-head-").FullName;

    public TemporalHeadTests() => TorchRuntime.EnsureLoaded();

    public void Dispose() => Directory.Delete(_output, recursive: true);

    private static ModelSettings Small3D(TemporalHead head, Action<ModelSettings>? change = null)
    {
        var m = ConfigLoader.LoadFile(Path.Combine(SharedPaths.BenchConfigs, "unet3d-small.toml")).Model;
        m.TemporalHead = head;
        change?.Invoke(m);
        return m;
    }

    /// <summary>
    /// unet3d-small's counts are UNET.md's (PyTorch-checked); the head adds, by hand, T·c·c + c for
    /// conv, c the channels the output conv1 reads: F = 8 with r = 2 (after the sub-pixel head),
    /// m·F with r = 1, and nothing for mean and max.
    /// </summary>
    [Theory]
    [InlineData("mean", 2, "add", 3, 87_641)]
    [InlineData("max", 2, "add", 3, 87_641)]
    [InlineData("conv", 2, "add", 3, 87_641 + 3 * 8 * 8 + 8)]
    [InlineData("conv", 2, "add", 16, 87_641 + 16 * 8 * 8 + 8)]
    // size_ratio 1: no head_up conv1(8 -> 32), 8·32 + 32 = 288 fewer; c = F = 8.
    [InlineData("conv", 1, "add", 3, 87_641 - 288 + 3 * 8 * 8 + 8)]
    // concat, nearest up-sampling (UNET.md: 95,313) at r = 1: head_up conv1(16 -> 32) = 544 and out
    // conv1(8 -> 1) = 9 give way to out conv1(16 -> 1) = 17; c = 2F = 16.
    [InlineData("conv", 1, "concat", 5, 95_313 - 544 - 9 + 17 + 5 * 16 * 16 + 16)]
    public void ParametersMatchTheBuiltModelAndTheHandCount(string head, int ratio, string skip, int t, long expected)
    {
        var m = Small3D(Enum.Parse<TemporalHead>(head, ignoreCase: true), s =>
        {
            s.Skip = Enum.Parse<SkipMerge>(skip, ignoreCase: true);
            if (skip == "concat") s.UpSampling = UpSampling.Nearest;
        });
        using var model = new UNet(m, ratio, t);
        Assert.Equal(expected, UNetParameterFormula.Count(m, ratio, t));
        Assert.Equal(expected, model.TrainableParameters);
    }

    [Theory]
    [InlineData("mean")]
    [InlineData("max")]
    [InlineData("conv")]
    public void ASequenceGivesOneMapAndGradientsReachEveryWeight(string head)
    {
        var m = Small3D(Enum.Parse<TemporalHead>(head, ignoreCase: true));
        manual_seed(2);
        using var model = new UNet(m, 2, 3);
        using var scope = NewDisposeScope();
        var y = model.call(rand([2L, 1, 3, 8, 8]));
        Assert.Equal([2, 1, 16, 16], y.shape);
        y.mean().backward();
        Assert.All(model.parameters(), p => Assert.True(p.grad is not null && p.grad.isfinite().all().item<bool>()));
    }

    [Theory]
    [InlineData("mean", true)]
    [InlineData("max", true)]
    [InlineData("conv", false)]
    public void OnlyTheConvHeadWeighsTheStepsByTheirOrder(string head, bool orderFree)
    {
        // temporal_kernel 1: each step goes through the U-Net alone, so a mean or max over T cannot
        // tell the order of the steps; the conv head has one weight per step.
        var m = Small3D(Enum.Parse<TemporalHead>(head, ignoreCase: true), s => { s.TemporalKernel = 1; s.Dropout = 0; });
        manual_seed(3);
        using var model = new UNet(m, 2, 3);
        model.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = rand([1L, 1, 3, 8, 8]);
        var difference = (model.call(x) - model.call(x.flip(2))).abs().max().item<float>();
        if (orderFree) Assert.True(difference < 1e-5, $"reversing T changed the output by {difference}");
        else Assert.True(difference > 1e-4, "the conv head ignored the order of the steps");
    }

    [Fact]
    public void AHeadOnATwoDimensionalModelOrAConvHeadWithoutTIsRefused()
    {
        var flat = Small3D(TemporalHead.Mean, s => s.Dims = 2);
        Assert.Contains("dims = 3", Assert.Throws<ArgumentException>(() => new UNet(flat, 2)).Message);
        var conv = Small3D(TemporalHead.Conv);
        Assert.Contains("needs T", Assert.Throws<ArgumentException>(() => UNetParameterFormula.Count(conv, 2)).Message);
        using var model = new UNet(conv, 2, 3);
        Assert.Contains("T = 3", Assert.Throws<ArgumentException>(() => model.CheckInputShape([4, 8, 8])).Message);
    }

    private static PipelineConfig Config(TemporalHead head)
    {
        var config = TrainerTests.SmallConfig(epochs: 2);
        config.Model.Dims = 3;
        config.Model.TemporalHead = head;
        return config;
    }

    private static List<Frame> Sequences(int count, LabelKind label) =>
        new ScattererSimulator(new SimulationSettings
        {
            Size = 16, Frames = 3, SizeRatio = 2, Seed = 8, Label = label, TrackSigmaPx = 0.5,
            VelocityPx = new DoubleRange(0.5, 1.5),
        }).Generate(0, count).ToList();

    [Fact]
    public void TrainsOnTrackLabelsThenPredictsAndScoresTrackMaps()
    {
        var config = Config(TemporalHead.Conv);
        var frames = Sequences(24, LabelKind.Tracks);
        var run = new Trainer(config).Run(new BatchGenerator(frames, config.Batch), _output);
        Assert.Equal(TrainingStatus.Completed, run.Status);
        Assert.Equal([3, 16, 16], run.InputShape);
        Assert.Equal([32, 32], run.OutputShape);
        Assert.Equal(UNetParameterFormula.Count(config.Model, 2, 3), run.TrainableParameters);
        Assert.All(run.History, e => Assert.True(double.IsFinite(e.Loss) && double.IsFinite(e.ValLoss)));
        // A track map has no per-step points to match: localisation is not scored, never faked.
        Assert.All(run.History, e => Assert.True(double.IsNaN(e.ValF1)));

        var model = UNetModel.Load(run.LastCheckpoint!);
        Assert.Equal(3, model.TimeSteps);
        using var predictor = new Predictor(model, threads: 1);
        var predicted = predictor.Predict(frames.Take(4).ToList());
        Assert.All(predicted, f =>
        {
            Assert.Equal([32, 32], f.PredictionShape!);
            Assert.All(f.Prediction!, v => Assert.InRange(v, 0f, 1f));
        });

        var evaluator = new LocalisationEvaluator(config.Evaluation);
        foreach (var f in predicted) Assert.Empty(evaluator.Add(f).Steps);
        var result = evaluator.Result();
        Assert.Equal(4, result.FrameCount);
        // Scored pixel by pixel against the track labels: every label pixel counted once.
        var pixels = result.Pixels!;
        Assert.Equal(4 * 32 * 32, pixels.TruePositives + pixels.FalsePositives + pixels.FalseNegatives + pixels.TrueNegatives);
        long positives = frames.Take(4).Sum(f => f.Label!.Count(v => v >= config.Evaluation.Threshold));
        Assert.Equal(positives, pixels.TruePositives + pixels.FalseNegatives);

        // The conv head spans T = 3: longer sequences are refused with the reason.
        var longer = new Frame(new float[4 * 16 * 16], [4, 16, 16], null, null, "s", 0);
        var e = Assert.Throws<ArgumentException>(() => new Predictor(model, threads: 1, window: [4, 16, 16]).Predict([longer]));
        Assert.Contains("T = 3", e.Message);
    }

    [Fact]
    public void LabelsAndHeadMustAgreeOnT()
    {
        var withHead = Config(TemporalHead.Mean);
        var perStep = Assert.Throws<ArgumentException>(() =>
            new Trainer(withHead).Run(new BatchGenerator(Sequences(8, LabelKind.Positions), withHead.Batch), _output));
        Assert.Contains("label = \"tracks\"", perStep.Message);
        var noHead = Config(TemporalHead.None);
        var tracks = Assert.Throws<ArgumentException>(() =>
            new Trainer(noHead).Run(new BatchGenerator(Sequences(8, LabelKind.Tracks), noHead.Batch), _output));
        Assert.Contains("temporal_head", tracks.Message);
    }

    [Fact]
    public void MonitoringALocalisationScoreOfTrackMapsIsRefused()
    {
        var config = Config(TemporalHead.Max);
        config.Training.Monitor = "val_f1";
        var e = Assert.Throws<ArgumentException>(() =>
            new Trainer(config).Run(new BatchGenerator(Sequences(8, LabelKind.Tracks), config.Batch), _output));
        Assert.Contains("tracks", e.Message);
    }
}
