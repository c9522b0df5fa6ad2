using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using DataPipeline.Engine.Configuration;

namespace DataPipeline.PowerShell.Completion;

/// <summary>
/// Invoke-TrainingSweep's -Parameter: configuration keys as section.key. PowerShell asks an
/// argument completer only at the argument's position, not inside a hashtable literal, so each
/// result starts the hashtable with the key, ready for its values: @{ 'training.loss' = .
/// </summary>
public sealed class ConfigKeyCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        // What was typed may already hold the start of the hashtable: @{ 'train
        string typed = wordToComplete.TrimStart('@', '{', ' ');
        return Completions.Matching(typed, ConfigLoader.Keys.Select(k => (k.Key, k.Description)))
            .Select(r => new CompletionResult($"@{{ '{r.ListItemText}' = ", r.ListItemText, r.ResultType, r.ToolTip));
    }
}
