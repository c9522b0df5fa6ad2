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
    private readonly Xunit.Abstractions.ITestOutputHelper _report;

    public FaultPipelineTests(Xunit.Abstractions.ITestOutputHelper report)
    {
        _report = report;
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
                     $"$ErrorActionPreference = 'Stop'; $ProgressPreference = 'SilentlyContinue'; Import-Module '{Pwsh.StagedManifest}'\n{script}" })
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
    public void RunLogRecordsTheGeneratorsBatchSizeNotTheConfigFiles()
    {
        var result = Run("""
            $generator = New-SyntheticFrame -Count 16 -Config small.toml | New-BatchGenerator -Config small.toml -BatchSize 4
            $run = $generator | Invoke-UNetTraining -Config small.toml -Epochs 1 -OutputDirectory runs
            "log: $($run.LogPath)"
            "config: $($run.Config.Batch.BatchSize)"
            """);

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("batch_size = 8", File.ReadAllText(Path.Combine(_dir, "small.toml")));
        var log = File.ReadAllLines(result.Field("log"));
        Assert.Contains(log, l => l.Contains(" batches of 4: every frame once, shuffled; 12 training and 4 validation frames, 3 training batches per epoch; augmentation off"));
        Assert.Contains(log, l => l.EndsWith("  batch_size = 4", StringComparison.Ordinal));
        Assert.DoesNotContain(log, l => l.EndsWith("  batch_size = 8", StringComparison.Ordinal));
        Assert.Equal("4", result.Field("config"));
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
        start.ArgumentList.Add(Pwsh.StagedManifest);
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

    /// <summary>Starts <paramref name="script"/> and returns once it printed "ready" (after its setup).</summary>
    private Process StartWhenReady(string script)
    {
        var process = Start(script);
        var clock = Stopwatch.StartNew();
        string? line;
        while ((line = process.StandardOutput.ReadLine()) != "ready")
        {
            if (line is null)
                Assert.Fail($"pwsh ended before it was ready ({process.StandardError.ReadToEnd()}): {script}");
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3), "pwsh never got ready: " + script);
        }
        // Keep draining, so a full pipe never blocks the writer.
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        return process;
    }

    private static void KillNow(Process process)
    {
        Assert.False(process.HasExited, "the writer ended by itself before it was killed");
        process.Kill(entireProcessTree: true); // SIGKILL on Linux: no finally block, no flush
        process.WaitForExit();
    }

    public static TheoryData<string> Writers => new() { "mat", "store", "history", "checkpoint" };

    /// <summary>
    /// A pwsh process that writes one kind of file over and over is killed (SIGKILL) at a random
    /// moment, three times; each time every file of that kind in the folder is re-read and must be
    /// whole (the reference's content, or a checkpoint that loads), and a later write into the folder
    /// removes the temporary files the dead processes left.
    /// </summary>
    [Theory]
    [MemberData(nameof(Writers))]
    public void AProcessKilledWhileWritingLeavesTheOldFileOrNoneNeverATornOne(string writer)
    {
        if (writer == "history")
            Run("New-SyntheticFrame -Count 16 -Config small.toml | Invoke-UNetTraining -Config small.toml -Epochs 3 -OutputDirectory trained | Out-Null");
        Directory.CreateDirectory(Path.Combine(_dir, "target"));
        var (setup, write, folder, minDelay) = writer switch
        {
            "mat" => ("$f = New-SyntheticFrame -Count 64 -Size 64 -Seed 1; $f | Export-MatFile -Path ref.mat",
                "$f | Export-MatFile -Path target/out.mat", "target", 0),
            "store" => ("$f = New-SyntheticFrame -Count 200 -Size 64 -Seed 2; $f | Export-FrameDataset -Path ref.h5",
                "$f | Export-FrameDataset -Path target/out.h5", "target", 0),
            "history" => ("$run = Import-TrainingRun -Path trained/*; $run | Export-TrainingHistory -Path ref",
                "$run | Export-TrainingHistory -Path target", "target", 0),
            _ => ("$f = New-SyntheticFrame -Count 32 -Config small.toml",
                "$f | Invoke-UNetTraining -Config small.toml -Epochs 100000 -OutputDirectory target | Out-Null", "target", 1000),
        };
        string target = Path.Combine(_dir, folder);
        int midWrite = 0;
        const int Tries = 3;
        for (int attempt = 0; attempt < Tries; attempt++)
        {
            int finished = Directory.GetFiles(target, "last.ckpt", SearchOption.AllDirectories).Length;
            using var process = StartWhenReady($"{setup}\n[Console]::WriteLine('ready')\nwhile ($true) {{ {write} }}");
            Thread.Sleep(Random.Shared.Next(minDelay, minDelay + 500));
            // A training process is aimed at a later checkpoint write than its first, so that the
            // resume below has a checkpoint however slowly a loaded machine reaches epoch 1.
            var first = Stopwatch.StartNew();
            while (writer == "checkpoint" && first.Elapsed < TimeSpan.FromSeconds(120)
                   && Directory.GetFiles(target, "last.ckpt", SearchOption.AllDirectories).Length == finished)
                Thread.Sleep(10);
            // Then aim at a write: kill as soon as a temporary file shows (or after 10 s of looking).
            var aim = Stopwatch.StartNew();
            while (aim.Elapsed < TimeSpan.FromSeconds(10) && Directory.GetFiles(target, "*.tmp", SearchOption.AllDirectories).Length == 0)
                Thread.Sleep(1);
            Thread.Sleep(Random.Shared.Next(0, 3));
            KillNow(process);
            var temporaries = Directory.GetFiles(target, "*.tmp", SearchOption.AllDirectories);
            if (temporaries.Length > 0) midWrite++;
            VerifyWhole(writer, target);
        }
        _report.WriteLine($"{writer}: {Tries} kills, {midWrite} of them mid-write (a temporary file left behind)");

        // The next write into the folder, by a process of its own, leaves no dead process's temporaries.
        if (writer == "checkpoint")
        {
            string last = Directory.GetDirectories(target).Select(d => Path.Combine(d, "last.ckpt")).Where(File.Exists).MaxBy(File.GetLastWriteTimeUtc)!;
            int epoch = Checkpoint.ReadState(last).Epoch;
            var resumed = Run($"$f = New-SyntheticFrame -Count 32 -Config small.toml; $f | Invoke-UNetTraining -Resume '{last}' -Epochs {epoch + 1} | Out-Null");
            Assert.True(resumed.ExitCode == 0, resumed.Stderr);
            Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(last)!, ".*"));
        }
        else
        {
            var next = Run($"{setup}\n{write}");
            Assert.True(next.ExitCode == 0, next.Stderr);
            Assert.Empty(Directory.GetFiles(target, ".*", SearchOption.AllDirectories));
        }
        VerifyWhole(writer, target);
    }

    /// <summary>Every file of the writer's kind in <paramref name="target"/> re-read: the reference's content, or a checkpoint that loads.</summary>
    private void VerifyWhole(string writer, string target)
    {
        switch (writer)
        {
            case "mat":
                string mat = Path.Combine(target, "out.mat");
                if (!File.Exists(mat)) return;
                // The 116-byte text header holds the time of writing; everything after it is the same.
                Assert.Equal(File.ReadAllBytes(Path.Combine(_dir, "ref.mat"))[116..], File.ReadAllBytes(mat)[116..]);
                var file = MatFile.Open(mat);
                foreach (var variable in file.Variables) Assert.NotNull(file.Read(variable.Name));
                break;
            case "store":
                string h5 = Path.Combine(target, "out.h5");
                if (!File.Exists(h5)) return;
                using (var reference = FrameStoreReader.Open(Path.Combine(_dir, "ref.h5")))
                using (var store = FrameStoreReader.Open(h5))
                {
                    Assert.Equal(reference.Count, store.Count);
                    foreach (int i in new[] { 0, store.Count / 2, store.Count - 1 })
                        Assert.Equal(reference.Read(i).Data, store.Read(i).Data);
                }
                break;
            case "history":
                foreach (string path in Directory.GetFiles(target).Where(f => !f.EndsWith(".tmp", StringComparison.Ordinal)))
                    Assert.Equal(File.ReadAllBytes(Path.Combine(_dir, "ref", Path.GetFileName(path))), File.ReadAllBytes(path));
                break;
            default:
                foreach (string checkpoint in Directory.GetFiles(target, "*.ckpt", SearchOption.AllDirectories))
                {
                    var state = Checkpoint.ReadState(checkpoint);
                    using var network = new UNet(Checkpoint.ConfigOf(state, checkpoint).Model, state.SizeRatio);
                    Assert.Equal(state.Epoch, Checkpoint.LoadModel(checkpoint, network).Epoch);
                }
                foreach (string json in Directory.GetFiles(target, "*.history.json", SearchOption.AllDirectories))
                    Assert.True(RunFolder.Load(Path.GetDirectoryName(json)!).EpochsCompleted >= 0);
                break;
        }
    }

    [Fact]
    public void AKilledRunResumedFromItsCheckpointHasTheHistoryOfAnUninterruptedOne()
    {
        const string Frames = "$f = New-SyntheticFrame -Count 32 -Config small.toml";
        Run($"{Frames}; $f | Invoke-UNetTraining -Config small.toml -Epochs 10 -OutputDirectory whole | Out-Null");
        var whole = RunFolder.Load(Assert.Single(Directory.GetDirectories(Path.Combine(_dir, "whole"))));

        using (var process = StartWhenReady($"{Frames}\n[Console]::WriteLine('ready')\n$f | Invoke-UNetTraining -Config small.toml -Epochs 10 -OutputDirectory killed"))
        {
            // Killed at a random moment after epoch 2's checkpoint and before the run's end.
            var clock = Stopwatch.StartNew();
            while (CheckpointedEpoch(Path.Combine(_dir, "killed")) < 2)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3), "the run never reached epoch 2");
                Thread.Sleep(20);
            }
            Thread.Sleep(Random.Shared.Next(0, 150));
            KillNow(process);
        }
        string killedFolder = Assert.Single(Directory.GetDirectories(Path.Combine(_dir, "killed")));
        var killed = RunFolder.Load(killedFolder);
        Assert.Equal(TrainingStatus.Running, killed.Status); // it never wrote an ending
        int kept = Checkpoint.ReadState(killed.LastCheckpoint!).Epoch;
        Assert.InRange(kept, 2, 9);
        _report.WriteLine($"killed after epoch {kept} was checkpointed");

        Run($"{Frames}; $f | Invoke-UNetTraining -Resume '{killed.LastCheckpoint}' | Out-Null");
        var resumed = RunFolder.Load(killedFolder);

        Assert.Equal(TrainingStatus.Completed, resumed.Status);
        Assert.Equal(whole.History.Select(Metrics), resumed.History.Select(Metrics));
        Assert.Contains($"resumed run {resumed.RunId} after epoch {kept}", File.ReadAllText(resumed.LogPath!));
    }

    /// <summary>The epoch of the one run's last.ckpt under <paramref name="root"/>; -1 before there is one.</summary>
    private static int CheckpointedEpoch(string root)
    {
        string? folder = Directory.Exists(root) ? Directory.GetDirectories(root).SingleOrDefault() : null;
        string? last = folder is null ? null : Path.Combine(folder, "last.ckpt");
        return last is not null && File.Exists(last) ? Checkpoint.ReadState(last).Epoch : -1;
    }

    /// <summary>An epoch's numbers without its timings, which no two runs share.</summary>
    private static EpochRecord Metrics(EpochRecord record) => record with { Seconds = 0, DataWaitSeconds = 0 };

    [Fact]
    public async Task TwoRunsSharingAnOutputDirectoryAndALogLoseNoLinesAndOverwriteNoFiles()
    {
        const string Train = "New-SyntheticFrame -Count 16 -Config small.toml | Invoke-UNetTraining -Config small.toml -Epochs 3 -OutputDirectory runs -LogPath logs/shared.log | Export-TrainingHistory -Path reports -PassThru | ForEach-Object { 'file: ' + $_.Name }";
        using var first = Start(Train);
        using var second = Start(Train);
        var outputs = new[] { first, second }.Select(p => (Out: p.StandardOutput.ReadToEndAsync(), Err: p.StandardError.ReadToEndAsync(), Process: p)).ToList();
        foreach (var (_, error, process) in outputs)
        {
            Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)), "a run did not finish");
            Assert.True(process.ExitCode == 0, await error);
        }

        var runs = Directory.GetDirectories(Path.Combine(_dir, "runs"));
        Assert.Equal(2, runs.Length);
        var runLogs = runs.SelectMany(r => File.ReadAllLines(Path.Combine(r, "run.log"))).Order(StringComparer.Ordinal);
        // Every line of both runs' logs is in the shared log once, whole, however they interleaved.
        Assert.Equal(runLogs, File.ReadAllLines(Path.Combine(_dir, "logs", "shared.log")).Order(StringComparer.Ordinal));
        foreach (string run in runs)
            Assert.EndsWith(" Completed", File.ReadAllLines(Path.Combine(run, "run.log"))[^1]);
        // Each run's report files carry its own id: both sets are there, none overwritten.
        var stdout = await Task.WhenAll(outputs.Select(o => o.Out));
        var written = stdout.SelectMany(o => o.Split('\n')).Where(l => l.StartsWith("file: ", StringComparison.Ordinal)).Select(l => l[6..].Trim()).ToList();
        Assert.Equal(written.Count, written.Distinct().Count());
        Assert.Equal(written.Order(), Directory.GetFiles(Path.Combine(_dir, "reports")).Select(Path.GetFileName).Order());
        foreach (string run in runs)
            Assert.Contains(Path.GetFileName(run) + ".history.csv", written);
    }
}
