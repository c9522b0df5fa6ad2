using System.Management.Automation;
using System.Text.RegularExpressions;
using DataPipeline.Engine.Training;
using Xunit;

namespace DataPipeline.Tests.Pipeline;

/// <summary>Training as cron and systemd run it: -LogPath, no progress noise, reports by run, printed views.</summary>
public sealed class ScheduledTrainingTests() : PipelineFolder("dp-scheduled-")
{
    private const string Train = "New-SyntheticFrame -Count 16 -Config small.toml | Invoke-UNetTraining -Config small.toml -Epochs 2 -OutputDirectory runs";

    [Fact]
    public void SweepLogPathGetsEveryRunsLog()
    {
        var runs = Session.Ok("New-SyntheticFrame -Count 16 -Config small.toml | " +
            "Invoke-TrainingSweep -Config small.toml -Parameter @{ 'training.learning_rate' = 1e-3, 3e-3; 'training.epochs' = 1 } " +
            "-OutputDirectory runs -LogPath logs/sweep.log")
            .Select(o => o.BaseObject).OfType<SweepRun>().Select(s => s.Run!).ToList();
        Assert.Equal(2, runs.Count);
        var shared = File.ReadAllLines(Path.Combine(Dir, "logs", "sweep.log"));
        // One after the other (ThrottleLimit 1), each run's own run.log whole.
        Assert.Equal(runs.SelectMany(r => File.ReadAllLines(r.LogPath!)), shared);
    }

    [Fact]
    public void LogPathGetsEveryRunLogLineAndAppendsAcrossRuns()
    {
        var first = (TrainingRun)Session.Ok(Train + " -LogPath logs/nightly.log").Single().BaseObject;
        var second = (TrainingRun)Session.Ok(Train + " -LogPath logs/nightly.log").Single().BaseObject;

        var shared = File.ReadAllLines(Path.Combine(Dir, "logs", "nightly.log"));
        var firstLog = File.ReadAllLines(first.LogPath!);
        var secondLog = File.ReadAllLines(second.LogPath!);
        // The shared log is both runs' run.log, one after the other, nothing lost or overwritten.
        Assert.Equal(firstLog.Concat(secondLog), shared);
        Assert.EndsWith($"run {first.RunId}", firstLog[0]);
        Assert.Equal(2, firstLog.Count(l => Regex.IsMatch(l, @" epoch [12]/2 lr ")));
        Assert.EndsWith("Completed", secondLog[^1]);
    }

    [Fact]
    public void LogPathThatCannotBeWrittenStopsBeforeTraining()
    {
        Directory.CreateDirectory(Path.Combine(Dir, "taken"));
        var error = Session.Run(Train + " -LogPath taken").Error;

        Assert.Equal(ErrorCategory.WriteError, error.CategoryInfo.Category);
        Assert.StartsWith("LogNotWritable", error.FullyQualifiedErrorId);
        Assert.Equal(Path.Combine(Dir, "taken"), error.TargetObject);
        Assert.False(Directory.Exists(Path.Combine(Dir, "runs")));
    }

    [Fact]
    public void SilencedProgressPreferenceMeansNoProgressRecords()
    {
        var interactive = Session.Run(Train);
        var scheduled = Session.Run("$ProgressPreference = 'SilentlyContinue'\n" + Train);

        Assert.Null(interactive.Terminating);
        Assert.Contains(interactive.Progress, p => p.Activity == "Training U-Net");
        Assert.Null(scheduled.Terminating);
        Assert.Single(scheduled.Output);
        Assert.Empty(scheduled.Progress);
    }

    [Fact]
    public void FormatSelectsTheFilesAndRunsShareAFolder()
    {
        var files = Session.Ok($"""
            $a = {Train}
            $b = {Train}
            $a | Export-TrainingHistory -Path reports -Format Csv, Html -LogScale -PassThru
            $b | Export-TrainingHistory -Path reports -Format Csv, Html -PassThru
            """).Select(o => ((FileInfo)o.BaseObject).Name).ToList();

        var runs = Directory.GetDirectories(Path.Combine(Dir, "runs")).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(2, runs.Count);
        Assert.Equal(runs.SelectMany(r => new[] { r + ".history.csv", r + ".html" }).Order(), files.Order());
        Assert.Equal(files.Order(), Directory.GetFiles(Path.Combine(Dir, "reports")).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void PrintedRunIsASummaryAndItsHistoryAnEpochTable()
    {
        // Statements typed one per line at a pwsh prompt, each printed on its own as a user sees it.
        var result = Pwsh.Typed(
            "$run = New-SyntheticFrame -Count 16 -Config small.toml | Invoke-UNetTraining -Config small.toml -Epochs 2 -OutputDirectory runs\n" +
            "$run\n$run.History\n'#' + $run.RunId\n", Dir);

        Assert.True(result.ExitCode == 0, result.Report);
        var lines = result.Stdout.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        string runId = lines[^1].TrimStart('#');
        // A value longer than the console wraps onto indented lines below its label: read them with it.
        var raw = result.Stdout.Replace("\r", "").Split('\n');
        string Field(string label)
        {
            int at = Assert.Single(Enumerable.Range(0, raw.Length), i => raw[i].StartsWith(label + " "));
            string value = raw[at].Split(':', 2)[1].Trim();
            for (int i = at + 1; i < raw.Length && raw[i].StartsWith(' ') && raw[i].Trim().Length > 0; i++)
                value += raw[i].Trim();
            return value;
        }
        Assert.Equal(runId, Field("RunId"));
        Assert.Equal("Completed", Field("Status"));
        // Every line is a property of the run, so what is shown can be sorted and filtered on.
        Assert.Equal("2", Field("EpochsCompleted"));
        Assert.Equal("2", Field("EpochsPlanned"));
        Assert.Equal("val_loss", Field("Monitor"));
        Assert.Matches("^[12]$", Field("BestEpoch"));
        Assert.Matches("^[0-9.]+$", Field("BestValue"));
        Assert.Matches(@"^[0-9]{2}:[0-9]{2}:[0-9]{2}$", Field("Duration"));
        Assert.Equal("cpu", Field("Device"));
        Assert.Equal("1", Field("Threads"));
        Assert.Equal(Path.Combine(Dir, "runs", runId, "best.ckpt"), Field("BestCheckpoint"));
        Assert.DoesNotContain(lines, l => l.StartsWith("Message ")); // empty for a completed run

        int header = Array.FindIndex(lines, l => Regex.IsMatch(l, @"^Epoch\s+Loss\s+ValLoss\s+Dice\s+ValDice\s+LearningRate\s+Seconds\s+DataWaitSeconds$"));
        Assert.True(header > 0, result.Stdout);
        var rows = lines[(header + 2)..^1];
        Assert.Equal(2, rows.Length);
        for (int epoch = 1; epoch <= 2; epoch++)
        {
            var cells = Regex.Split(rows[epoch - 1], @"\s+");
            Assert.Equal(8, cells.Length);
            Assert.Equal(epoch.ToString(), cells[0]);
            Assert.Equal("0.01", cells[5]); // small.toml's learning rate, no schedule
            Assert.InRange(double.Parse(cells[7], System.Globalization.CultureInfo.InvariantCulture), 0, 100);
        }
    }
}
