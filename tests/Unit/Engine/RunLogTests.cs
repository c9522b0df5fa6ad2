using DataPipeline.Engine.Training;
using Xunit;

namespace DataPipeline.Tests.Engine;

public sealed class RunLogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dp-runlog-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void CopyGetsTheSameLinesAppendedAfterWhatWasThere()
    {
        string copy = Path.Combine(_dir, "logs", "nightly.log");
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        File.WriteAllText(copy, "last night\n");

        var log = new RunLog(Path.Combine(_dir, "run"), copy);
        log.Line("first");
        log.Line("second");

        var own = File.ReadAllLines(log.Path);
        Assert.Equal(2, own.Length);
        Assert.EndsWith(" first", own[0]);
        Assert.Equal(["last night", .. own], File.ReadAllLines(copy));
    }

    [Fact]
    public async Task ALineWaitsForAnotherWriterInsteadOfFailingOrOverwriting()
    {
        var log = new RunLog(_dir);
        log.Line("before");
        Task writing;
        using (var other = new FileStream(log.Path, FileMode.Append, FileAccess.Write, FileShare.None))
        {
            writing = Task.Run(() => log.Line("while locked"));
            // Give the line time to meet the lock; it must retry, not throw.
            await Task.Delay(200);
            other.Write("other process\n"u8);
        }
        await writing;

        var lines = File.ReadAllLines(log.Path);
        Assert.Equal(3, lines.Length);
        Assert.EndsWith(" before", lines[0]);
        Assert.Equal("other process", lines[1]);
        Assert.EndsWith(" while locked", lines[2]);
    }
}
