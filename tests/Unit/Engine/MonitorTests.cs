using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Reporting;
using DataPipeline.Engine.Training;
using Xunit;

namespace DataPipeline.Tests.Engine;

/// <summary>[training] monitor on the validation split's localisation scores: val_f1, val_jaccard, val_rmse_px.</summary>
public sealed class MonitorTests : IDisposable
{
    private readonly string _output = Directory.CreateTempSubdirectory("dp-monitor-").FullName;

    public void Dispose() => Directory.Delete(_output, recursive: true);

    [Theory]
    [InlineData("val_f1", true)]
    [InlineData("val_jaccard", true)]
    [InlineData("val_rmse_px", false)]
    public void LocalisationMetricsKnowTheirDirectionAndColumn(string name, bool higherIsBetter)
    {
        var metric = new MonitoredMetric(name, hasValidation: true);
        Assert.Equal(name, metric.Name);
        Assert.Equal(higherIsBetter, metric.HigherIsBetter);
        Assert.Equal(higherIsBetter, metric.IsBetter(0.6, 0.5));
        var record = new EpochRecord { ValF1 = 0.7, ValJaccard = 0.54, ValRmsePx = 0.21, Loss = 9 };
        Assert.Equal(name switch { "val_f1" => 0.7, "val_jaccard" => 0.54, _ => 0.21 }, metric.ValueOf(record));
        // An epoch that was not scored (localisation_every above 1) never improves the best.
        Assert.False(metric.IsBetter(double.NaN, 0.5));
    }

    [Fact]
    public void ALocalisationMetricWithoutAScoredValidationSplitIsRefusedWithTheKeysToChange()
    {
        var noValidation = Assert.Throws<ArgumentException>(() => new MonitoredMetric("val_f1", hasValidation: false));
        Assert.Contains("validation_fraction", noValidation.Message);
        var notScored = Assert.Throws<ArgumentException>(() => new MonitoredMetric("val_rmse_px", hasValidation: true, scoresLocalisation: false));
        Assert.Contains("localisation_every", notScored.Message);
    }

    [Theory]
    [InlineData("val_f1")]
    [InlineData("val_jaccard")]
    [InlineData("val_rmse_px")]
    public void TheConfigurationAcceptsTheLocalisationMetrics(string name)
    {
        var config = ConfigLoader.Parse($"[training]\nmonitor = \"{name}\"\n", "monitor.toml");
        Assert.Equal(name, config.Training.Monitor);
        Assert.Throws<ConfigException>(() => ConfigLoader.Parse("[training]\nmonitor = \"f1\"\n", "monitor.toml"));
    }

    [Fact]
    public void MonitoringValF1PicksTheEpochWithTheBestF1()
    {
        var config = TrainerTests.SmallConfig(epochs: 4);
        config.Training.Monitor = "val_f1";
        config.Training.LocalisationEvery = 1;
        var run = new Trainer(config).Run(new BatchGenerator(BatchGeneratorTests.Frames(48), config.Batch), _output);
        Assert.True(run.Status == TrainingStatus.Completed, run.Message);
        Assert.Equal("val_f1", run.Monitor);
        Assert.All(run.History, r => Assert.True(double.IsFinite(r.ValF1) && double.IsFinite(r.ValJaccard)));
        // The first epoch with the highest F1, which need not be the one with the lowest loss; F1
        // must change across epochs or this would pass by picking epoch 1 for any reason.
        Assert.True(run.History.Select(r => r.ValF1).Distinct().Count() > 1, string.Join(", ", run.History.Select(r => r.ValF1)));
        double best = run.History.Max(r => r.ValF1);
        Assert.Equal(run.History.First(r => r.ValF1 == best).Epoch, run.BestEpoch);
        Assert.Equal(best, run.BestValue);
        // Jaccard = F1 / (2 − F1) for the same counts.
        Assert.All(run.History, r => Assert.Equal(r.ValF1 / (2 - r.ValF1), r.ValJaccard, 9));
    }

    [Fact]
    public void TrainingRefusesToMonitorValF1WithoutPositions()
    {
        var config = TrainerTests.SmallConfig(epochs: 1);
        config.Training.Monitor = "val_f1";
        config.Training.LocalisationEvery = 0;
        var error = Assert.Throws<ArgumentException>(() =>
            new Trainer(config).Run(new BatchGenerator(BatchGeneratorTests.Frames(16), config.Batch), _output));
        Assert.Contains("val_f1", error.Message);
    }

    [Theory]
    [InlineData("val_f1", "validation")]
    [InlineData("val_rmse_px", "validation")]
    [InlineData("learning_rate", "training")]
    public void HistoryFiguresLabelValidationOnlyMetricsAsValidation(string name, string label)
    {
        var run = new TrainingRun("20261206-000000-abcdef", new(), "/tmp/x") { Monitor = "val_loss", EpochsPlanned = 2 };
        for (int e = 1; e <= 2; e++)
            run.Add(new EpochRecord { Epoch = e, LearningRate = 1e-3, Loss = 1, ValF1 = 0.5 * e, ValRmsePx = 0.3 / e });
        var plot = HistoryPlots.Plot(run, HistoryMetric.All.Single(m => m.Name == name), logScale: false);
        var curve = Assert.Single(plot.GetPlottables<ScottPlot.Plottables.Scatter>());
        Assert.Equal(label, curve.LegendText);
    }
}
