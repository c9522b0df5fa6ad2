using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Runtime;
using DataPipeline.Engine.Training;
using Xunit;
using static TorchSharp.torch;

namespace DataPipeline.Tests.Engine;

public class ScheduleTests
{
    private static TrainingSettings Settings(ScheduleKind kind, Action<TrainingSettings>? change = null)
    {
        var s = new TrainingSettings { LearningRate = 0.1, LrSchedule = kind, Epochs = 10, LrStepEpochs = 3, LrFactor = 0.5, LrPatience = 1 };
        change?.Invoke(s);
        return s;
    }

    [Fact]
    public void StepHalvesEveryThreeEpochs()
    {
        var schedule = new LearningRateSchedule(Settings(ScheduleKind.Step));
        Assert.Equal([0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025], Enumerable.Range(1, 7).Select(schedule.RateFor));
    }

    [Fact]
    public void CosineRunsFromTheRateToTheFloorAfterWarmUp()
    {
        var schedule = new LearningRateSchedule(Settings(ScheduleKind.Cosine, s => { s.LrWarmupEpochs = 2; s.MinLearningRate = 0.01; }));
        Assert.Equal(0.1 / 3, schedule.RateFor(1), 12);
        Assert.Equal(0.2 / 3, schedule.RateFor(2), 12);
        Assert.Equal(0.1, schedule.RateFor(3), 12);                                        // cosine starts at the full rate
        Assert.Equal(0.01 + 0.09 * 0.5 * (1 + Math.Cos(Math.PI * 4 / 8)), schedule.RateFor(7), 12);
        Assert.True(schedule.RateFor(10) > 0.01 && schedule.RateFor(10) < schedule.RateFor(9));
    }

    [Fact]
    public void PlateauDropsAfterPatienceRunsOut()
    {
        var schedule = new LearningRateSchedule(Settings(ScheduleKind.Plateau));
        var metric = new MonitoredMetric("val_loss", hasValidation: true);
        double[] losses = [1.0, 0.9, 0.95, 0.96, 0.8, 0.85, 0.86];
        var rates = new List<double>();
        for (int e = 0; e < losses.Length; e++)
        {
            rates.Add(schedule.RateFor(e + 1));
            schedule.EndEpoch(losses[e], metric);
        }
        // two epochs without improvement (patience 1) after 0.9, and again after 0.8
        Assert.Equal([0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05], rates);
        Assert.Equal(0.025, schedule.RateFor(8));
    }

    [Fact]
    public void MonitoredMetricKnowsItsDirectionAndFallsBackWithoutValidation()
    {
        var dice = new MonitoredMetric("val_dice", hasValidation: true);
        Assert.True(dice.HigherIsBetter);
        Assert.True(dice.IsBetter(0.6, 0.5));
        Assert.True(dice.IsBetter(0.1, double.NaN));
        var noValidation = new MonitoredMetric("val_loss", hasValidation: false);
        Assert.Equal("loss", noValidation.Name);
        Assert.Equal(0.3, noValidation.ValueOf(new EpochRecord { Loss = 0.3 }));
        Assert.Throws<ArgumentException>(() => new MonitoredMetric("val_speed", true));
    }

    [Fact]
    public void FocalLossMatchesTheHandComputedValue()
    {
        TorchRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        var p = tensor(new[] { 0.9f, 0.2f });
        var t = tensor(new[] { 1f, 0f });
        double expected = -(0.25 * Math.Pow(0.1, 2) * Math.Log(0.9) + 0.75 * Math.Pow(0.2, 2) * Math.Log(0.8)) / 2;
        Assert.Equal(expected, Loss.Compute(LossKind.Focal, p, t, true, 2, 0.25).item<float>(), 6);
        // On logits it is the same loss of sigmoid(logit).
        var logits = (p / (1 - p)).log();
        Assert.Equal(expected, Loss.Compute(LossKind.Focal, logits, t, false, 2, 0.25).item<float>(), 5);
    }

    [Fact]
    public void DiceLossMatchesUnetMd()
    {
        TorchRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        var p = tensor(new[] { 0.5f, 0.5f, 1f, 0f }, [2, 2]);
        var t = tensor(new[] { 1f, 0f, 1f, 1f }, [2, 2]);
        // sample 1: 1 - (2*0.5 + 1)/(1 + 1 + 1) = 1/3; sample 2: 1 - (2*1 + 1)/(1 + 2 + 1) = 1/4
        Assert.Equal((1.0 / 3 + 0.25) / 2, Loss.Compute(LossKind.Dice, p, t, true).item<float>(), 6);
    }
}
