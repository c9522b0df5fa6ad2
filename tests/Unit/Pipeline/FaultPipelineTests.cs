using System.Diagnostics;
using System.Text.Json;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Mat;
using DataPipeline.Engine.Models;
using DataPipeline.Engine.Training;
using Xunit;

namespace DataPipeline.Tests.Pipeline;

/// <summary>
/// Faults as a user meets them, in real pwsh processes with the staged module: a failed run in a
/// script, the nightly job's exit code, runs read back from their folders, processes killed with
/// SIGKILL while they write, a killed training resumed, two runs sharing a folder and a log.
/// </summary>
public sealed class FaultPipelineTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dp-faultpipe-").FullName;

    public FaultPipelineTests()
    {
        string small = File.ReadAllText(SharedPaths.SmallConfig);
        File.WriteAllText(Path.Combine(_dir, "small.toml"), small);
        // Adam's first step at this rate sends the weights to 1e30: the output is non-finite at step 2.
        File.WriteAllText(Path.Combine(_dir, "failing.toml"),
            small.Replace("[training]", "[training]\nnon_finite = \"stop\"").Replace("learning_rate = 0.01", "learning_rate = 1e30"));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        /// <summary>The text after "<paramref name="tag"/>: " on the one line that starts so.</summary>
        public string Field(string tag) =>
            Assert.Single(Stdout.Split('\n'), l => l.StartsWith(tag + ": ", StringComparison.Ordinal))[(tag.Length + 2)..].TrimEnd('\r');
    }

    private static string PwshExecutable =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Append(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools"))
            .Select(folder => Path.Combine(folder, OperatingSystem.IsWindows() ? "pwsh.exe" : "pwsh"))
            .FirstOrDefault(File.Exists) ?? throw new InvalidOperationException("pwsh is not installed: run tools/install-prerequisites.sh.");

    /// <summary>A fresh pwsh that imports the staged module, as a user's script does, and runs <paramref name="script"/>.</summary>
    private Process Start(string script)
    {
        var start = new ProcessStartInfo(PwshExecutable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _dir,
        };
        foreach (string arg in new[] { "-NoProfile", "-NonInteractive", "-Command",
                     $"$ErrorActionPreference = 'Stop'; $ProgressPreference = 'SilentlyContinue'; Import-Module '{StagedModuleHost.StagedManifest}'\n{script}" })
            start.ArgumentList.Add(arg);
        return Process.Start(start)!;
    }

    private Result Run(string script)
    {
        using var process = Start(script);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"pwsh did not finish: {script}");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public void AFailedRunIsEmittedWithANonTerminatingErrorThatErrorActionStopMakesTerminating()
    {
        var result = Run("""
            $frames = New-SyntheticFrame -Count 32 -Config failing.toml
            $run = $frames | Invoke-UNetTraining -Config failing.toml -Epochs 2 -OutputDirectory runs -ErrorAction SilentlyContinue -ErrorVariable failure
            "status: $($run.Status)"
            "where: $($run.FailedEpoch) $($run.FailedStep)"
            "errors: $($failure.Count)"
            "id: $($failure[0].FullyQualifiedErrorId)"
            "category: $($failure[0].CategoryInfo.Category)"
            "target: $($failure[0].TargetObject.RunId)"
            "run: $($run.RunId)"
            "folder: $($run.OutputDirectory)"
            try {
                $frames | Invoke-UNetTraining -Config failing.toml -Epochs 2 -OutputDirectory runs -ErrorAction Stop
                'after: reached'
            } catch {
                "after: caught $($_.FullyQualifiedErrorId)"
            }
            """);

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("Failed", result.Field("status"));
        Assert.Equal("1 2", result.Field("where"));
        Assert.Equal("1", result.Field("errors"));
        Assert.Equal("TrainingFailed,DataPipeline.PowerShell.Commands.InvokeUNetTrainingCommand", result.Field("id"));
        Assert.Equal("InvalidResult", result.Field("category"));
        Assert.Equal(result.Field("run"), result.Field("target"));
        Assert.Equal("caught TrainingFailed,DataPipeline.PowerShell.Commands.InvokeUNetTrainingCommand", result.Field("after"));
        // The run's folder says so too, re-read from disk.
        string folder = result.Field("folder");
        Assert.Contains(" Failed: The network's output became non-finite at epoch 1, step 2", File.ReadAllLines(Path.Combine(folder, "run.log"))[^1]);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, result.Field("run") + ".history.json")));
        Assert.Equal("Failed", json.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public void TheNightlyJobExitsNonZeroOnAFailedRunAndZeroOnACompletedOne()
    {
        string logs = Path.Combine(_dir, "logs");
        var failed = Nightly(logs, "-Config", Path.Combine(_dir, "failing.toml"), "-OutputDirectory", Path.Combine(_dir, "failed"), "-Epochs", "1");
        var broken = Nightly(logs, "-Config", Path.Combine(_dir, "missing.toml"), "-OutputDirectory", Path.Combine(_dir, "broken"));
        var completed = Nightly(logs, "-Config", Path.Combine(_dir, "small.toml"), "-OutputDirectory", Path.Combine(_dir, "nightly"), "-Epochs", "1");

        string log = File.ReadAllText(Assert.Single(Directory.GetFiles(logs, "nightly-*.log")));
        Assert.True(failed.ExitCode == 4, log);
        Assert.Contains("nightly training failed with exit code 4", failed.Stderr);
        Assert.Matches(@"Run \d{8}-\d{6}-[0-9a-f]{6} ended Failed: The network's output became non-finite at epoch 1, step 2", log);
        // A failed run's report is written too.
        Assert.Single(Directory.GetFiles(Path.Combine(_dir, "failed", "reports"), "*.html"));
        Assert.Equal(1, broken.ExitCode);
        Assert.Contains("missing.toml", log);
        Assert.True(completed.ExitCode == 0, log);
        string html = Assert.Single(Directory.GetFiles(Path.Combine(_dir, "nightly", "reports"), "*.html"));
        Assert.Contains("Report: " + html, log);
        Assert.Contains(" epoch 1/1 ", File.ReadAllText(Path.Combine(_dir, "nightly", "training.log")));
        Assert.Equal(["end: exit code 4", "end: exit code 1", "end: exit code 0"],
            log.Split('\n').Where(l => l.Contains(" end: exit code ")).Select(l => l[(l.IndexOf("end:", StringComparison.Ordinal))..].TrimEnd()));
    }

    private static Result Nightly(string logDir, params string[] args)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(SharedPaths.RepositoryRoot, "examples", "nightly-training.sh"));
        start.ArgumentList.Add("-Module");
        start.ArgumentList.Add(StagedModuleHost.StagedManifest);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["PWSH"] = PwshExecutable;
        start.Environment["LOG_DIR"] = logDir;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("nightly-training.sh did not finish.");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public void ImportTrainingRunGivesBackARunFromItsFolder()
    {
        var result = Run("""
            $run = New-SyntheticFrame -Count 16 -Config small.toml | Invoke-UNetTraining -Config small.toml -Epochs 2 -OutputDirectory 'runs[1]'
            $literal = Import-TrainingRun -LiteralPath $run.OutputDirectory
            $piped = Get-Item -LiteralPath $run.OutputDirectory | Import-TrainingRun
            $wildcard = Import-TrainingRun -Path 'runs`[1`]/*'
            "ids: $($literal.RunId) $($piped.RunId) $($wildcard.RunId)"
            "run: $($run.RunId)"
            "read: $($literal.Status) $($literal.EpochsCompleted) $($literal.BestEpoch) $($literal.History[1].Loss -eq $run.History[1].Loss)"
            "last: $($literal.LastCheckpoint)"
            $literal | Export-TrainingHistory -Path replot -Format Csv
            Import-TrainingRun -LiteralPath nowhere -ErrorAction SilentlyContinue -ErrorVariable missing
            "missing: $($missing[0].FullyQualifiedErrorId) $($missing[0].CategoryInfo.Category)"
            Import-TrainingRun -LiteralPath . -ErrorAction SilentlyContinue -ErrorVariable foreign
            "foreign: $($foreign[0].FullyQualifiedErrorId) $($foreign[0].CategoryInfo.Category)"
            """);

        Assert.True(result.ExitCode == 0, result.Stderr);
        string id = result.Field("run");
        Assert.Equal($"{id} {id} {id}", result.Field("ids"));
        Assert.Equal("Completed 2 " + result.Field("read").Split(' ')[2] + " True", result.Field("read"));
        string folder = Path.Combine(_dir, "runs[1]", id);
        Assert.Equal(Path.Combine(folder, "last.ckpt"), result.Field("last"));
        Assert.Equal(File.ReadAllText(Path.Combine(folder, id + ".history.csv")), File.ReadAllText(Path.Combine(_dir, "replot", id + ".history.csv")));
        Assert.Equal("RunFolderNotFound,DataPipeline.PowerShell.Commands.ImportTrainingRunCommand ObjectNotFound", result.Field("missing"));
        Assert.Equal("NotARunFolder,DataPipeline.PowerShell.Commands.ImportTrainingRunCommand ObjectNotFound", result.Field("foreign"));
    }
}
