using System.Diagnostics;

namespace DataPipeline.Tests.Pipeline;

/// <summary>
/// The staged module as build.ps1 -Task Package leaves it (CI runs that before the tests), and
/// tests/CoexistenceHost, a PowerShell host whose default load context holds the stand-in Tomlyn 0.17
/// and nothing of DataPipeline, to import it in.
/// </summary>
internal static class StagedModuleHost
{
    public sealed record Result(int ExitCode, IReadOnlyList<string> Lines, string Stderr)
    {
        public IEnumerable<string> Tagged(string tag) =>
            Lines.Where(l => l.StartsWith(tag + ": ", StringComparison.Ordinal)).Select(l => l[(tag.Length + 2)..]);
    }

    public static string StagedModule => Path.Combine(SharedPaths.RepositoryRoot, "out", "DataPipeline");

    /// <summary>The package build.ps1 -Task Package made for this platform.</summary>
    public static string Package
    {
        get
        {
            var repository = Path.Combine(SharedPaths.RepositoryRoot, "out", "packages", System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier);
            var packages = Directory.Exists(repository) ? Directory.GetFiles(repository, "DataPipeline.*.nupkg") : [];
            return packages.Length == 1 ? packages[0]
                : throw new InvalidOperationException($"Expected one DataPipeline package in {repository}, found {packages.Length}: run ./build.ps1 -Task Package (or dpsh -File build.ps1 -Task Package) first.");
        }
    }

    public static string RequireStagedManifest()
    {
        var manifest = Path.Combine(StagedModule, "DataPipeline.psd1");
        return File.Exists(manifest) ? manifest
            : throw new InvalidOperationException($"No staged module at {StagedModule}: run ./build.ps1 -Task Package (or dpsh -File build.ps1 -Task Package) first.");
    }

    public static Result Run(string manifest, string script, string workingDirectory)
    {
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        var host = Path.Combine(SharedPaths.RepositoryRoot, "tests", "CoexistenceHost", "bin", configuration, "net10.0", "CoexistenceHost.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add(host);
        start.ArgumentList.Add(manifest);
        start.ArgumentList.Add(script);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"CoexistenceHost on {manifest} did not finish.");
        }
        return new Result(process.ExitCode, stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), stderr.Result);
    }
}
