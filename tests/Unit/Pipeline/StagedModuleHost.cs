using System.Diagnostics;

namespace DataPipeline.Tests.Pipeline;

/// <summary>
/// The staged module and the package as build.ps1 -Task Package leaves them, and
/// tests/CoexistenceHost, a PowerShell host whose default load context holds the stand-in
/// Tomlyn 0.17 and nothing of DataPipeline, to import them in.
/// </summary>
internal static class StagedModuleHost
{
    public sealed record Result(int ExitCode, IReadOnlyList<string> Lines, string Stderr)
    {
        public IEnumerable<string> Tagged(string tag) =>
            Lines.Where(l => l.StartsWith(tag + ": ", StringComparison.Ordinal)).Select(l => l[(tag.Length + 2)..]);
    }

    public static string StagedModule => Path.Combine(SharedPaths.RepositoryRoot, "out", "DataPipeline");

    /// <summary>The local repository build.ps1 -Task Package fills for this platform.</summary>
    private static string Repository => Path.Combine(SharedPaths.RepositoryRoot, "out", "packages", System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier);

    /// <summary>
    /// CI packages before it tests, and the tests use that package as it is; a clone that never
    /// packaged gets one here, once (about a minute), so the README's test command works alone.
    /// After changing the code, package again to test the change through the staged module.
    /// </summary>
    private static readonly Lazy<string> Packaged = new(() =>
    {
        if (!File.Exists(Path.Combine(StagedModule, "DataPipeline.psd1")) || PackageFiles().Length == 0)
        {
            var build = Start("dotnet", SharedPaths.RepositoryRoot,
                Path.Combine(AppContext.BaseDirectory, "dpsh.dll"), "-NonInteractive", "-File", Path.Combine(SharedPaths.RepositoryRoot, "build.ps1"),
                "-Task", "Package", "-Configuration", Configuration);
            if (build.ExitCode != 0)
                throw new InvalidOperationException($"build.ps1 -Task Package failed ({build.ExitCode}):\n{build.Stdout}\n{build.Stderr}");
        }
        // The latest, as a repository that kept earlier versions would install it.
        return PackageFiles().MaxBy(p => File.GetLastWriteTimeUtc(p))!;
    });

    /// <summary>The staged module's manifest, packaging first when there is none.</summary>
    public static string StagedManifest
    {
        get
        {
            _ = Packaged.Value;
            return Path.Combine(StagedModule, "DataPipeline.psd1");
        }
    }

    /// <summary>The package for this platform, packaging first when there is none.</summary>
    public static string Package => Packaged.Value;

    private static string[] PackageFiles() => Directory.Exists(Repository) ? Directory.GetFiles(Repository, "DataPipeline.*.nupkg") : [];

#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    public static Result Run(string manifest, string script, string workingDirectory)
    {
        var host = Path.Combine(SharedPaths.RepositoryRoot, "tests", "CoexistenceHost", "bin", Configuration, "net10.0", "CoexistenceHost.dll");
        var run = Start("dotnet", workingDirectory, host, manifest, script);
        return new Result(run.ExitCode, run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), run.Stderr);
    }

    private static (int ExitCode, string Stdout, string Stderr) Start(string program, string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{string.Join(' ', args)} did not finish.");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
