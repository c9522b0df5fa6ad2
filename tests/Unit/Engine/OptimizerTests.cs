using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Models;
using DataPipeline.Engine.Runtime;
using DataPipeline.Engine.Training;
using DataPipeline.Engine.Training.Optimizers;
using TorchSharp;
using Parameter = TorchSharp.Modules.Parameter;
using Sequential = TorchSharp.Modules.Sequential;
using Xunit;
using static TorchSharp.torch;
using Optimizer = DataPipeline.Engine.Training.Optimizers.Optimizer;

namespace DataPipeline.Tests.Engine;

/// <summary>
/// DataPipeline's optimizers against PyTorch's update rules (reference numbers from PyTorch 1.13),
/// against TorchSharp's torch.optim on a small network, through a checkpoint, and under the GC
/// pressure that breaks TorchSharp's own optimizers.
/// </summary>
public sealed class OptimizerTests
{
    public OptimizerTests() => TorchRuntime.EnsureLoaded();

    private static readonly double[] Start = [0.5, -1.0, 2.0];

    // Step t's gradient is Gradients[t]: the loss is sum(p * Gradients[t]).
    private static readonly double[][] Gradients = [[0.1, -0.2, 0.3], [0.4, 0.1, -0.5], [-0.3, 0.2, 0.05]];

    /// <summary>
    /// The parameter after the three steps, from PyTorch 1.13.1 (Debian 12's python3-torch):
    /// <code>
    /// import torch
    /// p0 = [0.5, -1.0, 2.0]; cs = [[0.1, -0.2, 0.3], [0.4, 0.1, -0.5], [-0.3, 0.2, 0.05]]
    /// cases = {  # the same names and options as Make() below
    ///  "Adam": lambda p: torch.optim.Adam([p], lr=0.1),
    ///  "AdamWeightDecay": lambda p: torch.optim.Adam([p], lr=0.1, betas=(0.8, 0.99), eps=1e-3, weight_decay=0.1),
    ///  "AdamW": lambda p: torch.optim.AdamW([p], lr=0.1, weight_decay=0.1),
    ///  "Sgd": lambda p: torch.optim.SGD([p], lr=0.1),
    ///  "SgdMomentumDampening": lambda p: torch.optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.05),
    ///  "SgdNesterov": lambda p: torch.optim.SGD([p], lr=0.1, momentum=0.9, nesterov=True),
    ///  "RmsProp": lambda p: torch.optim.RMSprop([p], lr=0.01),
    ///  "RmsPropCenteredMomentum": lambda p: torch.optim.RMSprop([p], lr=0.01, alpha=0.9, eps=1e-4, weight_decay=0.1, momentum=0.5, centered=True),
    ///  "Adadelta": lambda p: torch.optim.Adadelta([p], lr=1.0),
    ///  "AdadeltaWeightDecay": lambda p: torch.optim.Adadelta([p], lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1)}
    /// for name, make in cases.items():
    ///     p = torch.tensor(p0, dtype=torch.float64, requires_grad=True); opt = make(p)
    ///     for c in cs:
    ///         opt.zero_grad(); (p * torch.tensor(c, dtype=torch.float64)).sum().backward(); opt.step()
    ///     print(name, p.detach().tolist())
    /// </code>
    /// </summary>
    private static readonly Dictionary<string, double[]> PyTorch = new()
    {
        ["Adam"] = [0.2938915337896525, -0.9006359802389327, 1.9465042323454074],
        ["AdamWeightDecay"] = [0.28297867530258897, -0.8252670184489246, 1.8534516827604894],
        ["AdamW"] = [0.2819154100509013, -0.8731913171622459, 1.8887986710814262],
        ["Sgd"] = [0.48000000000000004, -1.01, 2.015],
        ["SgdMomentumDampening"] = [0.42912022187499993, -0.94971994375, 1.93473351],
        ["SgdNesterov"] = [0.41420999999999997, -0.99632, 2.02283],
        ["RmsProp"] = [0.3619967645868081, -1.0119023499828725, 1.9772654264335696],
        ["RmsPropCenteredMomentum"] = [0.408781297120439, -0.9538821814403876, 1.9537969566918936],
        ["Adadelta"] = [0.4962433345790167, -1.0023096270323824, 2.000191605854359],
        ["AdadeltaWeightDecay"] = [0.48482423314654255, -0.9947110885878111, 1.98965639684908],
    };

    public static TheoryData<string> Cases => [.. PyTorch.Keys];

    private static Optimizer Make(string name, IEnumerable<Parameter> p) => name switch
    {
        "Adam" => new Adam(p, 0.1),
        "AdamWeightDecay" => new Adam(p, 0.1, beta1: 0.8, beta2: 0.99, eps: 1e-3, weightDecay: 0.1),
        "AdamW" => new AdamW(p, 0.1, weightDecay: 0.1),
        "Sgd" => new Sgd(p, 0.1),
        "SgdMomentumDampening" => new Sgd(p, 0.1, momentum: 0.9, dampening: 0.3, weightDecay: 0.05),
        "SgdNesterov" => new Sgd(p, 0.1, momentum: 0.9, nesterov: true),
        "RmsProp" => new RmsProp(p, 0.01),
        "RmsPropCenteredMomentum" => new RmsProp(p, 0.01, alpha: 0.9, eps: 1e-4, weightDecay: 0.1, momentum: 0.5, centered: true),
        "Adadelta" => new Adadelta(p, 1.0),
        "AdadeltaWeightDecay" => new Adadelta(p, 0.5, rho: 0.8, eps: 1e-4, weightDecay: 0.1),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    /// <summary>The same optimizer as <see cref="Make"/> from TorchSharp's torch.optim.</summary>
    private static torch.optim.Optimizer MakeTorchSharp(string name, IEnumerable<Parameter> p) => name switch
    {
        "Adam" => optim.Adam(p, 0.1),
        "AdamWeightDecay" => optim.Adam(p, 0.1, 0.8, 0.99, 1e-3, 0.1),
        "AdamW" => optim.AdamW(p, 0.1, weight_decay: 0.1),
        "Sgd" => optim.SGD(p, 0.1),
        "SgdMomentumDampening" => optim.SGD(p, 0.1, momentum: 0.9, dampening: 0.3, weight_decay: 0.05),
        "SgdNesterov" => optim.SGD(p, 0.1, momentum: 0.9, nesterov: true),
        "RmsProp" => optim.RMSProp(p, 0.01),
        "RmsPropCenteredMomentum" => optim.RMSProp(p, 0.01, alpha: 0.9, eps: 1e-4, weight_decay: 0.1, momentum: 0.5, centered: true),
        "Adadelta" => optim.Adadelta(p, 1.0),
        "AdadeltaWeightDecay" => optim.Adadelta(p, 0.5, rho: 0.8, eps: 1e-4, weight_decay: 0.1),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static double[] ThreeSteps(Optimizer optimizer, Parameter p)
    {
        foreach (var g in Gradients)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            (p * tensor(g, float64)).sum().backward();
            optimizer.step();
        }
        return p.data<double>().ToArray();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ThreeStepsEqualPyTorchs(string name)
    {
        using var p = new Parameter(tensor(Start, float64));
        using var optimizer = Make(name, [p]);
        var actual = ThreeSteps(optimizer, p);
        for (int i = 0; i < Start.Length; i++)
            Assert.True(Math.Abs(actual[i] - PyTorch[name][i]) < 1e-12, $"{name}[{i}]: {actual[i]:R}, PyTorch {PyTorch[name][i]:R}");
    }

    [Fact]
    public void PlainSgdStepsByTheRateTimesTheGradient()
    {
        using var p = new Parameter(tensor(Start, float64));
        using var optimizer = new Sgd([p], 0.1);
        var actual = ThreeSteps(optimizer, p);
        // p - 0.1·(g1 + g2 + g3) by hand: the gradients sum to [0.2, 0.1, -0.15].
        Assert.Equal(new[] { 0.48, -1.01, 2.015 }, actual.Select(v => Math.Round(v, 12)));
    }

    [Fact]
    public void AdamsFirstStepMovesEveryWeightByAboutTheRate()
    {
        // After one step m̂ = g and v̂ = g², so the update is lr·g/(|g| + eps): the rate against g's sign.
        using var p = new Parameter(tensor(Start, float64));
        using var optimizer = new Adam([p], 0.1, eps: 0);
        optimizer.zero_grad();
        (p * tensor(Gradients[0], float64)).sum().backward();
        optimizer.step();
        var actual = p.data<double>().ToArray();
        Assert.Equal(new[] { 0.4, -0.9, 1.9 }, actual.Select(v => Math.Round(v, 12)));
        Assert.Equal(1, optimizer.StepOf(0));
    }

    [Fact]
    public void ParametersWithoutAGradientAreLeftAlone()
    {
        using var used = new Parameter(tensor(Start, float64));
        using var unused = new Parameter(tensor(Start, float64));
        using var optimizer = new Adam([used, unused], 0.1);
        ThreeSteps(optimizer, used);
        Assert.Equal(Start, unused.data<double>().ToArray());
        Assert.Equal(0, optimizer.StepOf(1));
        Assert.Equal(3, optimizer.StepOf(0));
    }

    [Fact]
    public void NesterovWithoutMomentumIsRefusedAsInPyTorch()
    {
        using var p = new Parameter(tensor(Start, float64));
        var e = Assert.Throws<ArgumentException>(() => new Sgd([p], 0.1, momentum: 0, nesterov: true));
        Assert.Contains("Nesterov", e.Message);
    }

    [Fact]
    public void NesterovWithoutMomentumInTheConfigurationNamesTheKeyAndFile()
    {
        var settings = new TrainingSettings { Optimizer = OptimizerKind.Sgd, Nesterov = true };
        using var p = new Parameter(tensor(Start, float64));
        var e = Assert.Throws<ConfigException>(() => OptimizerFactory.Create([p], settings, "/cfg/run.toml"));
        Assert.Equal("training.nesterov", e.Key);
        Assert.Contains("/cfg/run.toml", e.Message);
        Assert.Contains("momentum", e.Message);
    }

    [Fact]
    public void TheConfigurationsDefaultsArePyTorchs()
    {
        var s = new TrainingSettings();
        Assert.Equal((0.0, 0.0, false, 0.9, 0.999, null, 0.99, false, 0.9, 0.0),
            (s.Momentum, s.Dampening, s.Nesterov, s.Beta1, s.Beta2, s.Eps, s.RmsPropAlpha, s.Centered, s.Rho, s.WeightDecay));
        s.Optimizer = OptimizerKind.Adadelta;
        using var p = new Parameter(tensor(Start, float64));
        using var optimizer = OptimizerFactory.Create([p], s);
        Assert.IsType<Adadelta>(optimizer);
    }

    /// <summary>A small conv net, the same weights for every seed.</summary>
    private static Sequential SmallNet(long seed)
    {
        manual_seed(seed);
        return nn.Sequential(nn.Conv2d(1, 4, 3, padding: 1), nn.ReLU(), nn.Conv2d(4, 4, 3, padding: 1), nn.ReLU(), nn.Conv2d(4, 1, 1));
    }

    private static (Tensor X, Tensor Y)[] Batches(int count)
    {
        manual_seed(99);
        return Enumerable.Range(0, count).Select(_ => (rand(2, 1, 8, 8), rand(2, 1, 8, 8))).ToArray();
    }

    private static void Train(Sequential net, Action zeroGrad, Action step, IEnumerable<(Tensor X, Tensor Y)> batches)
    {
        foreach (var (x, y) in batches)
        {
            using var scope = NewDisposeScope();
            zeroGrad();
            nn.functional.mse_loss(net.call(x), y).backward();
            step();
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TwentyStepsEqualTorchSharpsOptimizer(string name)
    {
        var batches = Batches(20);
        using var initial = SmallNet(5);
        using var ours = SmallNet(5);
        using var theirs = SmallNet(5);
        using var optimizer = Make(name, ours.parameters());
        using var reference = MakeTorchSharp(name, theirs.parameters());
        Train(ours, optimizer.zero_grad, optimizer.step, batches[..10]);
        Train(theirs, reference.zero_grad, () => reference.step(), batches[..10]);
        // The schedule's path: a new rate between steps.
        optimizer.SetLearningRate(optimizer.LearningRate / 3);
        foreach (var group in reference.ParamGroups) group.LearningRate /= 3;
        Train(ours, optimizer.zero_grad, optimizer.step, batches[10..]);
        Train(theirs, reference.zero_grad, () => reference.step(), batches[10..]);

        foreach (var ((n, a), (_, b), (_, before)) in ours.named_parameters().Zip(theirs.named_parameters(), initial.named_parameters()))
        {
            Assert.False(a.allclose(before), $"{name}: {n} did not train");
            Assert.True(a.allclose(b, rtol: 1e-5, atol: 1e-6), $"{name}: {n} differs from TorchSharp's by up to {(a - b).abs().max().item<float>()}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ACheckpointedOptimizerContinuesIdentically(string name)
    {
        var batches = Batches(10);
        using var net = SmallNet(7);
        using var optimizer = Make(name, net.parameters());
        Train(net, optimizer.zero_grad, optimizer.step, batches[..5]);
        var state = new MemoryStream();
        using (var writer = new BinaryWriter(state, System.Text.Encoding.UTF8, leaveOpen: true)) optimizer.Save(writer);
        var weights = net.parameters().Select(p => p.detach().clone()).ToArray();
        Train(net, optimizer.zero_grad, optimizer.step, batches[5..]);

        using var resumed = SmallNet(8);
        using (no_grad())
            foreach (var (p, w) in resumed.parameters().Zip(weights)) p.copy_(w);
        using var restored = Make(name, resumed.parameters());
        state.Position = 0;
        restored.Load(new BinaryReader(state), "memory");
        Train(resumed, restored.zero_grad, restored.step, batches[5..]);

        foreach (var (a, b) in net.parameters().Zip(resumed.parameters()))
            Assert.True(a.allclose(b, rtol: 0, atol: 0), $"{name}: the resumed run differs by up to {(a - b).abs().max().item<float>()}");
    }

    [Fact]
    public void StateOfAnotherOptimizerIsRefusedNamingTheFile()
    {
        using var net = SmallNet(1);
        using var adam = new Adam(net.parameters());
        var state = new MemoryStream();
        using (var writer = new BinaryWriter(state, System.Text.Encoding.UTF8, leaveOpen: true)) adam.Save(writer);
        state.Position = 0;
        using var sgd = new Sgd(net.parameters(), 0.1);
        var e = Assert.Throws<InvalidDataException>(() => sgd.Load(new BinaryReader(state), "/runs/x/last.ckpt"));
        Assert.Contains("/runs/x/last.ckpt", e.Message);
        Assert.Contains("Adam", e.Message);
        Assert.Contains("SGD", e.Message);
    }

    [Fact]
    public void AFormatOneCheckpointLoadsItsWeightsButIsNotResumed()
    {
        var config = new PipelineConfig();
        config.Model.Filters = 4;
        config.Model.Depth = 2;
        using var model = new UNet(config.Model, 1);
        using var optimizer = OptimizerFactory.Create(model.parameters(), config.Training);
        string path = Path.Combine(Directory.CreateTempSubdirectory("dp-optim-").FullName, "old.ckpt");
        try
        {
            var old = new CheckpointState
            {
                FormatVersion = 1, RunId = "old", Epoch = 1, ConfigToml = "", SizeRatio = 1, FrameShape = [16, 16], LabelShape = [16, 16],
                History = [], BestEpoch = 1, BestValue = 0, EpochsWithoutImprovement = 0, Schedule = new ScheduleState(1e-3, 0, 0),
                TrainableParameters = model.TrainableParameters,
            };
            Checkpoint.Save(path, old, model, optimizer);

            using var other = new UNet(config.Model, 1);
            Assert.Equal(1, Checkpoint.LoadModel(path, other).FormatVersion);
            foreach (var (a, b) in model.parameters().Zip(other.parameters())) Assert.True(a.allclose(b, rtol: 0, atol: 0));
            var e = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadForResume(path, other, optimizer));
            Assert.Contains(path, e.Message);
            Assert.Contains("-InitialWeights", e.Message);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    /// <summary>
    /// Trains <paramref name="steps"/> steps of the small net while another thread runs
    /// GC.Collect(); GC.WaitForPendingFinalizers(); back to back, and returns the step that
    /// failed first (0 when none did). The collecting thread is what frees an implicit Scalar
    /// while libtorch reads it (issue 12).
    /// </summary>
    private static int FirstFailureUnderCollection(Func<Sequential, (Action ZeroGrad, Action Step, IDisposable Owner)> make, int steps)
    {
        using var net = SmallNet(3);
        var (zeroGrad, step, owner) = make(net);
        using var _ = owner;
        using var x = rand(2, 1, 8, 8);
        using var y = rand(2, 1, 8, 8);
        // One libtorch thread, as the soak bench: OpenMP workers spinning against the collecting
        // thread on a small machine made these steps 50 times slower.
        int threads = get_num_threads();
        set_num_threads(1);
        using var restore = new Restore(() => set_num_threads(threads));
        using var collecting = new CollectingThread();
        for (int i = 1; i <= steps; i++)
        {
            try
            {
                using var scope = NewDisposeScope();
                zeroGrad();
                nn.functional.mse_loss(net.call(x), y).backward();
                step();
            }
            catch (System.Runtime.InteropServices.ExternalException)
            {
                return i;
            }
        }
        return 0;
    }

    /// <remarks>
    /// The same loop with TorchSharp 0.107's own torch.optim.Adam failed within 2 s when this class
    /// ran alone (as it failed at step 1,186 of the soak bench), but survived 30,000 steps once in
    /// the full suite: whether the race is hit depends on timing, so the "before" stays a measured
    /// figure (bench soak --targets torchsharp-adam) rather than a test that could pass or fail by chance.
    /// </remarks>
    [Theory]
    [InlineData("AdamWeightDecay")]
    [InlineData("AdamW")]
    [InlineData("SgdMomentumDampening")]
    [InlineData("SgdNesterov")]
    [InlineData("RmsPropCenteredMomentum")]
    [InlineData("AdadeltaWeightDecay")]
    public void OursSurviveACollectingThread(string name)
    {
        int failedAt = FirstFailureUnderCollection(net =>
        {
            var optimizer = Make(name, net.parameters());
            optimizer.SetLearningRate(1e-3);
            return (optimizer.zero_grad, optimizer.step, optimizer);
        }, steps: 2000);
        Assert.Equal(0, failedAt);
    }

    private sealed class Restore(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }
}
