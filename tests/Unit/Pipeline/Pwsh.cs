using System.Diagnostics;

namespace DataPipeline.Tests.Pipeline;

/// <summary>
/// Real pwsh processes on the module as build.ps1 -Task Package stages and packs it: what a user
/// types at a prompt, in a script, or in cron. pwsh is the one tools/install-prerequisites.sh
/// puts on PATH.
/// </summary>
internal static class Pwsh
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public IReadOnlyList<string> Lines =>
            Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        /// <summary>The lines a script printed as "tag: value", without the tag.</summary>
        public IEnumerable<string> Tagged(string tag) =>
            Lines.Where(l => l.StartsWith(tag + ": ", StringComparison.Ordinal)).Select(l => l[(tag.Length + 2)..]);

        public string Report => $"exit code {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
    }

    public static string StagedModule => Path.Combine(SharedPaths.RepositoryRoot, "out", "DataPipeline");

    /// <summary>The local repository build.ps1 -Task Package fills for this platform.</summary>
    private static string Repository => Path.Combine(SharedPaths.RepositoryRoot, "out", "packages", System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier);

    /// <summary>
    /// build.ps1 -Task Test packages before it runs these tests, which use that package as it is;
    /// a bare `dotnet test` on a clone that never packaged gets one here, once (about a minute).
    /// After changing the code, package again (or run -Task Test) to test the change.
    /// </summary>
    private static readonly Lazy<string> Packaged = new(() =>
    {
        if (!File.Exists(Path.Combine(StagedModule, "DataPipeline.psd1")) || PackageFiles().Length == 0)
        {
            var build = Start(["-NoProfile", "-NonInteractive", "-File", Path.Combine(SharedPaths.RepositoryRoot, "build.ps1"),
                "-Task", "Package", "-Configuration", Configuration], SharedPaths.RepositoryRoot, stdin: null, TimeSpan.FromMinutes(15));
            if (build.ExitCode != 0)
                throw new InvalidOperationException($"build.ps1 -Task Package failed.\n{build.Report}");
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

    /// <summary>A PowerShell string literal of <paramref name="text"/>.</summary>
    public static string Quote(string text) => "'" + text.Replace("'", "''") + "'";

    /// <summary>
    /// `pwsh -NoProfile -NonInteractive -Command script`, after importing <paramref name="manifest"/>
    /// (the staged module by default; none when <paramref name="import"/> is false).
    /// </summary>
    public static Result Command(string script, string? workingDirectory = null, string? manifest = null, bool import = true,
        TimeSpan? timeout = null) =>
        Start(["-NoProfile", "-NonInteractive", "-Command", Prefix(manifest, import) + script],
            workingDirectory ?? SharedPaths.RepositoryRoot, stdin: null, timeout ?? TimeSpan.FromMinutes(5));

    /// <summary>`pwsh -NoProfile -NonInteractive -File script args`: the script imports what it needs.</summary>
    public static Result Script(string script, string workingDirectory, params string[] args) =>
        Start(["-NoProfile", "-NonInteractive", "-File", script, .. args], workingDirectory, stdin: null, TimeSpan.FromMinutes(5));

    /// <summary>
    /// `pwsh -NoProfile -Command -` fed <paramref name="lines"/> on stdin, each line a statement
    /// run and printed on its own, as typed at a prompt.
    /// </summary>
    public static Result Typed(string lines, string? workingDirectory = null) =>
        Start(["-NoProfile", "-NonInteractive", "-Command", "-"], workingDirectory ?? SharedPaths.RepositoryRoot,
            stdin: Prefix(null, import: true) + lines, TimeSpan.FromMinutes(5));

    /// <summary>A started pwsh, for tests that watch or kill it.</summary>
    public static Process StartCommand(string script, string? workingDirectory = null)
    {
        var start = StartInfo(["-NoProfile", "-NonInteractive", "-Command", Prefix(null, import: true) + script], workingDirectory ?? SharedPaths.RepositoryRoot);
        var process = Launch(start);
        process.StandardInput.Close();
        return process;
    }

    private static string Prefix(string? manifest, bool import) =>
        import ? $"Import-Module {Quote(manifest ?? StagedManifest)} -ErrorAction Stop\n" : "";

    private static ProcessStartInfo StartInfo(IEnumerable<string> args, string workingDirectory)
    {
        var start = new ProcessStartInfo("pwsh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        // Plain text: pwsh colours formatted output even when it is redirected, unless told not to.
        start.Environment["NO_COLOR"] = "1";
        return start;
    }

    private static Process Launch(ProcessStartInfo start)
    {
        try
        {
            return Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("pwsh could not be started; run tools/install-prerequisites.sh, which installs it and puts it on PATH.", e);
        }
    }

    private static Result Start(IEnumerable<string> args, string workingDirectory, string? stdin, TimeSpan timeout)
    {
        using var process = Launch(StartInfo(args, workingDirectory));
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(stdin ?? string.Empty);
        process.StandardInput.Close();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"pwsh {string.Join(' ', args)} did not finish in {timeout}.");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}
