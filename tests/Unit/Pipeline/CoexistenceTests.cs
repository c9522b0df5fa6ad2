using System.Reflection;
using Xunit;

namespace DataPipeline.Tests.Pipeline;

/// <summary>
/// The staged module next to another module's older Tomlyn, in a real pwsh session that loaded
/// that Tomlyn first: the engine and its libraries load in their own context from Dependencies/,
/// and the cmdlets that need Tomlyn, TorchSharp/libtorch and ScottPlot/SkiaSharp work. Without the
/// isolation the same script fails with a FileLoadException for Tomlyn 2.0.0.0 (checked by hand
/// with the staged files moved back to a flat folder).
/// </summary>
public class CoexistenceTests
{
    /// <summary>What the session does with the module once the older Tomlyn is loaded.</summary>
    internal const string Script = """
        $model = New-UNetModel -Config ./small.toml
        "output: parameters=$($model.TrainableParameters)"
        New-SyntheticFrame -Count 2 -Size 32 -Seed 1 | Export-FramePreview -Path ./preview.png -PassThru |
            ForEach-Object { "output: preview=$($_.Name)" }
        """;

    /// <summary>tests/ConflictingTomlyn's build output (the test project builds it without referencing it).</summary>
    private static string OlderTomlyn => SharedPaths.SiblingBuildOutput(Path.Combine("tests", "ConflictingTomlyn"), "net8.0", "Tomlyn.dll");

    /// <summary>
    /// Loads the older Tomlyn into the session's default context, imports <paramref name="manifest"/>,
    /// runs <see cref="Script"/>, and prints where each library of interest was loaded from
    /// (managed: load context and file; native: file, from the process's memory maps).
    /// </summary>
    internal static Pwsh.Result RunBesideOlderTomlyn(string manifest, string workingDirectory) =>
        Pwsh.Command($$"""
            $ErrorActionPreference = 'Stop'
            Add-Type -Path {{Pwsh.Quote(OlderTomlyn)}}
            "preloaded: $([Tomlyn.Toml]::Describe())"
            Import-Module {{Pwsh.Quote(manifest)}}
            {{Script}}
            $libraries = 'DataPipeline.PowerShell', 'DataPipeline.Engine', 'Tomlyn', 'TorchSharp', 'ScottPlot', 'SkiaSharp', 'PureHDF'
            foreach ($assembly in [AppDomain]::CurrentDomain.GetAssemblies()) {
                $name = $assembly.GetName()
                if ($name.Name -in $libraries) {
                    "managed: $($name.Name) $($name.Version) $([System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($assembly).Name) $($assembly.Location)"
                }
            }
            if ($IsLinux) {
                Get-Content /proc/self/maps | ForEach-Object { ($_ -split '\s+')[-1] } | Where-Object { $_ } | Sort-Object -Unique |
                    Where-Object { (Split-Path -Leaf $_) -match '^(libLibTorchSharp|libtorch_cpu|libSkiaSharp)' } |
                    ForEach-Object { "native: $_" }
            }
            """, workingDirectory, import: false);

    [Fact]
    public void StagedModuleWorksBesideAnOlderTomlynInTheDefaultContext()
    {
        var manifest = Pwsh.StagedManifest;
        var dependencies = Path.Combine(Pwsh.StagedModule, "Dependencies");
        var work = Directory.CreateTempSubdirectory("dp-coexist-").FullName;
        File.Copy(SharedPaths.SmallConfig, Path.Combine(work, "small.toml"));

        var result = RunBesideOlderTomlyn(manifest, work);

        Assert.True(result.ExitCode == 0, result.Report);
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
    internal static void AssertIsolated(Pwsh.Result result, string dependencies)
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

        // The script reads native libraries from /proc/self/maps, so this part is Linux's.
        if (!OperatingSystem.IsLinux()) return;
        var natives = result.Tagged("native").ToList();
        foreach (var library in new[] { "libLibTorchSharp.so", "libtorch_cpu.so", "libSkiaSharp.so" })
        {
            Assert.Contains(Path.Combine(dependencies, library), natives);
        }
    }

    /// <summary>The same model as the flat build output's engine builds, and a real PNG.</summary>
    internal static void AssertSameModelAndPreview(Pwsh.Result result, string work)
    {
        using var session = new ModuleSession();
        var expected = session.Ok($"(New-UNetModel -Config '{SharedPaths.SmallConfig}').TrainableParameters")[0].BaseObject;
        Assert.Contains($"parameters={expected}", result.Tagged("output"));
        Assert.Contains("preview=preview.png", result.Tagged("output"));
        var png = File.ReadAllBytes(Path.Combine(work, "preview.png"));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
    }
}
