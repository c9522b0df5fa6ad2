using System.Management.Automation;

namespace DataPipeline.PowerShell.Completion;

/// <summary>What the completers share: matching the typed prefix and quoting for the command line.</summary>
internal static class Completions
{
    /// <summary>The candidates that start with what was typed (quotes stripped), as completion results.</summary>
    public static IEnumerable<CompletionResult> Matching(string wordToComplete, IEnumerable<(string Text, string ToolTip)> candidates)
    {
        string typed = wordToComplete.Trim('\'', '"');
        foreach (var (text, toolTip) in candidates)
        {
            if (!text.StartsWith(typed, StringComparison.OrdinalIgnoreCase)) continue;
            // Parentheses (a(1).b) and spaces would be parsed as expressions or split arguments.
            string completion = text.IndexOfAny(['(', ')', ' ', '+', ';']) >= 0 ? $"'{text.Replace("'", "''")}'" : text;
            yield return new CompletionResult(completion, text, CompletionResultType.ParameterValue, toolTip.Length == 0 ? text : toolTip);
        }
    }
}
