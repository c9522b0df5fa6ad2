using System.Reflection;
using Xunit;

namespace DataPipeline.Tests.Pipeline;

/// <summary>
/// The staged module next to another module's older Tomlyn: the engine and its libraries load in
/// their own context from Dependencies/, and the cmdlets that need Tomlyn, TorchSharp/libtorch and
/// ScottPlot/SkiaSharp work. Without the isolation the same script fails with a FileLoadException
/// for Tomlyn 2.0.0.0 (checked by hand with the staged files moved back to a flat folder).
/// </summary>
public class CoexistenceTests
{
    internal const string Script = """
        $model = New-UNetModel -Config ./small.toml
        "parameters=$($model.TrainableParameters)"
        New-SyntheticFrame -Count 2 -Size 32 -Seed 1 | Export-FramePreview -Path ./preview.png -PassThru |
            ForEach-Object { "preview=$($_.Name)" }
        """;

    [Fact]
    public void StagedModuleWorksBesideAnOlderTomlynInTheDefaultContext()
    {
        var manifest = StagedModuleHost.StagedManifest;
        var dependencies = Path.Combine(StagedModuleHost.StagedModule, "Dependencies");
        var work = Directory.CreateTempSubdirectory("dp-coexist-").FullName;
        File.Copy(SharedPaths.SmallConfig, Path.Combine(work, "small.toml"));

        var result = StagedModuleHost.Run(manifest, Script, work);

        Assert.True(result.ExitCode == 0, result.Stderr + string.Join('\n', result.Lines));
        Assert.Contains("Tomlyn 0.17.0.0 (stand-in)", result.Tagged("preloaded"));
        AssertIsolated(result, dependencies);
        AssertSameModelAndPreview(result, work);
        Directory.Delete(work, recursive: true);
    }

    [Fact]
    public void CmdletAssemblyReferencesNoEngineLibraryDirectly()
    {
        // A direct reference would bind in the default context, beside another module's copy.
        string[] engineLibraries = ["TorchSharp", "Tomlyn", "PureHDF", "ScottPlot", "SkiaSharp", "HarfBuzzSharp", "ICSharpCode.SharpZipLib", "Google.Protobuf"];
        var cmdlets = typeof(DataPipeline.PowerShell.Commands.DataPipelineCmdlet).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.Contains("DataPipeline.Engine", cmdlets);
        Assert.Empty(cmdlets.Intersect(engineLibraries));

        // The isolation assembly must not pull the engine into the default context itself.
        var isolation = Assembly.LoadFrom(Path.Combine(AppContext.BaseDirectory, "DataPipeline.Isolation.dll")).GetReferencedAssemblies().Select(a => a.Name!);
        Assert.Empty(isolation.Intersect(engineLibraries.Append("DataPipeline.Engine").Append("DataPipeline.PowerShell")));
    }

    /// <summary>Engine, Tomlyn 2, TorchSharp, ScottPlot and SkiaSharp in the engine's context, their native libraries from Dependencies/.</summary>
    internal static void AssertIsolated(StagedModuleHost.Result result, string dependencies)
    {
        var managed = result.Tagged("managed").Select(l => l.Split(' ')).ToList();
        Assert.Contains(managed, m => m[0] == "Tomlyn" && m[1] == "0.17.0.0" && m[2] == "Default");
        Assert.Contains(managed, m => m[0] == "DataPipeline.PowerShell" && m[2] == "Default");
        foreach (var library in new[] { "DataPipeline.Engine", "Tomlyn", "TorchSharp", "ScottPlot", "SkiaSharp" })
        {
            Assert.Contains(managed, m => m[0] == library && m[2] == "DataPipeline.Engine"
                                          && m[3] == Path.Combine(dependencies, library + ".dll"));
        }
        Assert.Contains(managed, m => m[0] == "Tomlyn" && m[1] != "0.17.0.0" && m[2] == "DataPipeline.Engine");

        // The host reads native libraries from /proc/self/maps, so this part is Linux's.
        if (!OperatingSystem.IsLinux()) return;
        var natives = result.Tagged("native").ToList();
        foreach (var library in new[] { "libLibTorchSharp.so", "libtorch_cpu.so", "libSkiaSharp.so" })
        {
            Assert.Contains(Path.Combine(dependencies, library), natives);
        }
    }

    /// <summary>The same model as the flat build output's engine builds, and a real PNG.</summary>
    internal static void AssertSameModelAndPreview(StagedModuleHost.Result result, string work)
    {
        using var session = new ModuleSession();
        var expected = session.Ok($"(New-UNetModel -Config '{SharedPaths.SmallConfig}').TrainableParameters")[0].BaseObject;
        Assert.Contains($"parameters={expected}", result.Tagged("output"));
        Assert.Contains("preview=preview.png", result.Tagged("output"));
        var png = File.ReadAllBytes(Path.Combine(work, "preview.png"));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
    }
}
