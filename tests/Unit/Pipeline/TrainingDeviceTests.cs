using DataPipeline.Engine.Runtime;
using Xunit;

namespace DataPipeline.Tests.Pipeline;

public sealed class TrainingDeviceTests : IDisposable
{
    private readonly ModuleSession _session = new();

    public void Dispose() => _session.Dispose();

    [Fact]
    public void ListsTheCpuWithItsThreadsAndSaysWhyCudaIsMissing()
    {
        var devices = _session.Ok("Get-TrainingDevice").Select(o => (TrainingDevice)o.BaseObject).ToList();
        var cpu = devices[0];
        Assert.Equal("cpu", cpu.Device);
        Assert.True(cpu.Available);
        Assert.Equal(Environment.ProcessorCount, cpu.Cores);
        Assert.InRange(cpu.Threads ?? 0, 1, 1024);
        // This team's machines build the CPU backend (DESIGN §7): the CUDA entry must say so.
        var cuda = Assert.Single(devices, d => d.Type == "CUDA");
        Assert.False(cuda.Available);
        Assert.Contains("CPU backend", cuda.Note);
        Assert.Equal(["cpu"], _session.Ok("Get-TrainingDevice -Available").Select(o => ((TrainingDevice)o.BaseObject).Device));
    }

    [Fact]
    public void TableViewShowsDeviceAndNote()
    {
        // As pwsh prints it at the prompt, through the module's view.
        var result = Pwsh.Command("Get-TrainingDevice");
        Assert.True(result.ExitCode == 0, result.Report);
        Assert.Contains("Threads", result.Stdout);
        Assert.Contains("CUDA unavailable", result.Stdout);
    }
}
