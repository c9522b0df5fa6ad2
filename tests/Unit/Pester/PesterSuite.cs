using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace DataPipeline.Tests.Pester;

/// <summary>One failed test: its full name ("Describe > Context > It") and its failure text.</summary>
public sealed record PesterFailure(string Name, string Message);

/// <summary>The outcome of running one Pester file (or folder) through PesterLite.</summary>
/// <param name="Output">Every line the runner printed, then any errors written outside the tests.</param>
public sealed record PesterRunResult(
    int Passed,
    int Failed,
    int Skipped,
    int Total,
    IReadOnlyList<PesterFailure> Failures,
    IReadOnlyList<string> Output)
{
    /// <summary>The runner's output as one text, for assertion messages.</summary>
    public string Report => string.Join(Environment.NewLine, Output);
}

/// <summary>
/// Runs Pester files with tests/PesterLite (copied next to the test assembly) on the PowerShell engine
/// hosted in-process, as CI does on machines without pwsh and Pester.
/// </summary>
public static class PesterSuite
{
    /// <summary>Where the build copies tests/PesterLite.</summary>
    public static string PesterLiteDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "PesterLite");

    /// <summary>
    /// Runs the *.Tests.ps1 file (or the folder's files) at <paramref name="path"/> in a fresh runspace,
    /// after importing <paramref name="modulesToImport"/> (manifest or module paths) and PesterLite.
    /// </summary>
    public static PesterRunResult Run(string path, IEnumerable<string>? modulesToImport = null)
    {
        using var runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        runspace.Open();

        var modules = (modulesToImport ?? []).Append(Path.Combine(PesterLiteDirectory, "PesterLite.psm1"));
        foreach (var module in modules)
        {
            using var import = System.Management.Automation.PowerShell.Create(runspace);
            import.AddCommand("Import-Module")
                .AddParameter("Name", Path.GetFullPath(module))
                .AddParameter("ErrorAction", ActionPreference.Stop);
            import.Invoke();
        }

        using var shell = System.Management.Automation.PowerShell.Create(runspace);
        shell.AddCommand("Invoke-PesterLite")
            .AddParameter("Path", Path.GetFullPath(path))
            .AddParameter("PassThru");
        var output = shell.Invoke();

        var lines = new List<string>();
        PSObject? summary = null;
        foreach (var item in output)
        {
            if (item?.BaseObject is string line)
            {
                lines.Add(line);
            }
            else if (item?.Properties["PassedCount"] is not null)
            {
                summary = item;
            }
        }

        // Test code may write non-terminating errors; they fail nothing (as in Pester) but help a reader.
        lines.AddRange(shell.Streams.Error.Select(error => $"ERROR: {error}"));

        if (summary is null)
        {
            throw new InvalidOperationException($"Invoke-PesterLite returned no result for {path}:{Environment.NewLine}{string.Join(Environment.NewLine, lines)}");
        }

        return new PesterRunResult(
            Count(summary, "PassedCount"),
            Count(summary, "FailedCount"),
            Count(summary, "SkippedCount"),
            Count(summary, "TotalCount"),
            ReadFailures(summary),
            lines);
    }

    private static int Count(PSObject summary, string property) =>
        LanguagePrimitives.ConvertTo<int>(summary.Properties[property].Value);

    private static List<PesterFailure> ReadFailures(PSObject summary)
    {
        var value = summary.Properties["Failed"].Value;
        var items = value is PSObject wrapped ? wrapped.BaseObject : value;
        var failures = new List<PesterFailure>();
        foreach (var item in (IEnumerable?)items ?? Array.Empty<object>())
        {
            var failure = PSObject.AsPSObject(item);
            failures.Add(new PesterFailure(
                failure.Properties["Name"].Value?.ToString() ?? "",
                failure.Properties["Message"].Value?.ToString() ?? ""));
        }

        return failures;
    }
}
