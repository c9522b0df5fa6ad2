using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using DataPipeline.Engine.Mat;

namespace DataPipeline.PowerShell.Completion;

/// <summary>
/// -DataVariable and -LabelVariable of Import-MatDataset: the struct paths of the numeric arrays in
/// the first .mat file that -Path or -LiteralPath names (a file, or the first *.mat of a folder,
/// in its subfolders too with -Recurse, or of a wildcard), the file Import-MatDataset reads first.
/// </summary>
public sealed class MatArrayPathCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        bool literal = fakeBoundParameters.Contains("LiteralPath");
        // A switch typed on the command line arrives as true (or -Recurse:$false as false).
        bool recurse = fakeBoundParameters["Recurse"] switch { bool b => b, SwitchParameter sw => sw.IsPresent, _ => false };
        string? file = FirstMatFile(fakeBoundParameters[literal ? "LiteralPath" : "Path"], literal, recurse);
        if (file is null) return [];
        try
        {
            return Completions.Matching(wordToComplete, MatArrayPaths.Find(file).Select(p => (p, $"{p} in {System.IO.Path.GetFileName(file)}")));
        }
        catch (Exception e) when (e is MatFormatException or IOException or UnauthorizedAccessException)
        {
            // A damaged or unreadable file offers nothing to complete; the import reports it.
            return [];
        }
    }

    private static string? FirstMatFile(object? path, bool literal, bool recurse)
    {
        // -Path is string[]; on the command line it arrives as a string or an array of them.
        string? first = path switch
        {
            string s => s,
            IEnumerable items => items.Cast<object?>().Select(i => i?.ToString()).FirstOrDefault(),
            _ => path?.ToString(),
        };
        if (string.IsNullOrWhiteSpace(first)) return null;
        string full = System.IO.Path.GetFullPath(System.IO.Path.Combine(CurrentDirectory(), first.Trim('\'', '"')));
        if (File.Exists(full)) return full;
        // Path order, as Import-MatDataset reads the files.
        if (Directory.Exists(full)) return MatDatasetImporter.FindFiles([full], recurse).FirstOrDefault();
        if (literal) return null;
        string? folder = System.IO.Path.GetDirectoryName(full);
        string pattern = System.IO.Path.GetFileName(full);
        if (folder is null || !Directory.Exists(folder)) return null;
        return Directory.GetFiles(folder, pattern).Where(f => f.EndsWith(".mat", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal).FirstOrDefault();
    }

    /// <summary>The session's file-system location, which relative paths on the command line mean.</summary>
    private static string CurrentDirectory()
    {
        using var shell = System.Management.Automation.PowerShell.Create(RunspaceMode.CurrentRunspace);
        var location = shell.AddScript("$ExecutionContext.SessionState.Path.CurrentFileSystemLocation.ProviderPath").Invoke();
        return location.Count == 1 && location[0]?.BaseObject is string s ? s : Environment.CurrentDirectory;
    }
}
