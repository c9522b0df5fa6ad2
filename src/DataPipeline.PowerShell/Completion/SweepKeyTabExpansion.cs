using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Language;
using DataPipeline.Engine.Configuration;

namespace DataPipeline.PowerShell.Completion;

/// <summary>
/// Sweep keys inside the hashtable given to Invoke-TrainingSweep -Parameter, after its first key:
/// <c>-Parameter @{ 'training.learning_rate' = 0.1, 0.01; tra&lt;Tab&gt;</c>.
/// </summary>
/// <remarks>
/// PowerShell 7.6 never asks a parameter's argument completer about a position inside a hashtable
/// literal (only about the argument as a whole, which ConfigKeyCompleter answers with the first key),
/// and its own hashtable-key completion knows only fixed key sets (Select-Object's, splatting's,
/// class-typed parameters'), which a dotted configuration key cannot be. What every host does ask is the
/// TabExpansion2 function (PSReadLine, the console, editors through CommandCompletion.CompleteInput),
/// so at import the module wraps it: the wrapper answers for a key position of that one hashtable
/// and hands everything else to the TabExpansion2 it found, unchanged. Remove-Module puts the
/// original back.
/// </remarks>
public sealed class SweepKeyTabExpansion : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private const string Marker = "DataPipelineSweepKeyOriginal";

    // The wrapper keeps the original in its closure's module, so nothing is added to the user's variables.
    private static readonly string Install = $$"""
        $current = ${function:global:TabExpansion2}
        if (-not $current -or ($current.Module -and $current.Module.SessionState.PSVariable.Get('{{Marker}}'))) { return }
        ${{Marker}} = $current
        $wrapper = {
            [CmdletBinding(DefaultParameterSetName = 'ScriptInputSet')]
            [OutputType([System.Management.Automation.CommandCompletion])]
            param(
                [Parameter(ParameterSetName = 'ScriptInputSet', Mandatory = $true, Position = 0)]
                [AllowEmptyString()]
                [string] $inputScript,
                [Parameter(ParameterSetName = 'ScriptInputSet', Position = 1)]
                [int] $cursorColumn = $inputScript.Length,
                [Parameter(ParameterSetName = 'AstInputSet', Mandatory = $true, Position = 0)]
                [System.Management.Automation.Language.Ast] $ast,
                [Parameter(ParameterSetName = 'AstInputSet', Mandatory = $true, Position = 1)]
                [System.Management.Automation.Language.Token[]] $tokens,
                [Parameter(ParameterSetName = 'AstInputSet', Mandatory = $true, Position = 2)]
                [System.Management.Automation.Language.IScriptPosition] $positionOfCursor,
                [Parameter(ParameterSetName = 'ScriptInputSet', Position = 2)]
                [Parameter(ParameterSetName = 'AstInputSet', Position = 3)]
                [Hashtable] $options = $null
            )
            end {
                $parsed = if ($PSCmdlet.ParameterSetName -eq 'ScriptInputSet') {
                    [System.Management.Automation.CommandCompletion]::MapStringInputToParsedInput($inputScript, $cursorColumn)
                } else { [Tuple]::Create($ast, $tokens, $positionOfCursor) }
                $sweep = [DataPipeline.PowerShell.Completion.SweepKeyTabExpansion]::Complete($parsed.Item1, $parsed.Item2, $parsed.Item3)
                if ($null -ne $sweep) { return $sweep }
                & ${{Marker}} @PSBoundParameters
            }
        }.GetNewClosure()
        ${function:global:TabExpansion2} = $wrapper
        """;

    private static readonly string Uninstall = $$"""
        $current = ${function:global:TabExpansion2}
        $original = if ($current -and $current.Module) { $current.Module.SessionState.PSVariable.GetValue('{{Marker}}') }
        if ($original) { ${function:global:TabExpansion2} = $original }
        """;

    public void OnImport() => Run(Install);

    public void OnRemove(PSModuleInfo module) => Run(Uninstall);

    /// <summary>
    /// Runs in the runspace importing or removing the module (these callbacks come on its pipeline
    /// thread); a host without one, or without TabExpansion2, simply gets no sweep-key completion.
    /// </summary>
    private static void Run(string script)
    {
        if (System.Management.Automation.Runspaces.Runspace.DefaultRunspace is null) return;
        ScriptBlock.Create(script).Invoke();
    }

    /// <summary>
    /// The sweep keys for the cursor when it is at a key of the hashtable bound to
    /// Invoke-TrainingSweep's -Parameter (after @{, a ; or a new line, not in a value); null anywhere
    /// else, so the caller completes as PowerShell would.
    /// </summary>
    public static CommandCompletion? Complete(Ast ast, Token[] tokens, IScriptPosition cursor)
    {
        ArgumentNullException.ThrowIfNull(ast);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(cursor);
        int at = cursor.Offset;
        var table = ast.FindAll(a => a is HashtableAst h && Encloses(h, at), searchNestedScriptBlocks: true)
            .Cast<HashtableAst>().MaxBy(h => h.Extent.StartOffset);
        if (table is null || !IsSweepParameter(table)) return null;
        if (KeyWordAt(table, tokens, at) is not var (start, typed)) return null;

        var given = table.KeyValuePairs.Select(p => p.Item1).OfType<StringConstantExpressionAst>()
            .Where(k => k.Extent.EndOffset < start).Select(k => k.Value).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var matches = new Collection<CompletionResult>();
        foreach (var (key, description) in ConfigLoader.Keys)
        {
            if (given.Contains(key) || !key.StartsWith(typed, StringComparison.OrdinalIgnoreCase)) continue;
            matches.Add(new CompletionResult($"'{key}'", key, CompletionResultType.ParameterValue, description.Length == 0 ? key : description));
        }
        return new CommandCompletion(matches, -1, start, at - start);
    }

    /// <summary>True when offset <paramref name="at"/> is inside the literal: after its @{ and before its } (if typed yet).</summary>
    private static bool Encloses(HashtableAst table, int at)
    {
        var extent = table.Extent;
        bool closed = extent.Text.EndsWith('}');
        return at >= extent.StartOffset + 2 && (closed ? at < extent.EndOffset : at <= extent.EndOffset);
    }

    /// <summary>The literal is Invoke-TrainingSweep's -Parameter, by name, prefix or position, as the binder sees it.</summary>
    private static bool IsSweepParameter(HashtableAst table)
    {
        var command = table.Parent as CommandAst ?? (table.Parent as CommandParameterAst)?.Parent as CommandAst;
        string? name = command?.GetCommandName();
        if (name is null || !(name.Equals("Invoke-TrainingSweep", StringComparison.OrdinalIgnoreCase)
                              || name.Equals(@"DataPipeline\Invoke-TrainingSweep", StringComparison.OrdinalIgnoreCase)))
            return false;
        try
        {
            var bound = StaticParameterBinder.BindCommand(command!, resolve: true);
            return bound.BoundParameters.TryGetValue("Parameter", out var parameter) && ReferenceEquals(parameter.Value, table);
        }
        catch (KeyNotFoundException)
        {
            // The binder fails on an ambiguous prefix (-Pa: is -Parameter, -Partition or -Path): not
            // ours to complete, and a completion must never throw at the user's prompt.
            return false;
        }
    }

    /// <summary>
    /// Where the key being typed starts and what of it is typed (quotes dropped), when the cursor is at
    /// a key: nothing but that word between the last @{, ; or new line of the literal's own level and
    /// the cursor. Null in a value, or inside parentheses, braces or brackets nested in the literal.
    /// </summary>
    private static (int Start, string Typed)? KeyWordAt(HashtableAst table, Token[] tokens, int at)
    {
        int depth = 0, separatorEnd = table.Extent.StartOffset + 2;
        Token? firstAfter = null;
        foreach (var token in tokens)
        {
            if (token.Extent.StartOffset < separatorEnd) continue;
            if (token.Extent.StartOffset >= at || token.Kind == TokenKind.EndOfInput) break;
            switch (token.Kind)
            {
                case TokenKind.LParen or TokenKind.LCurly or TokenKind.AtCurly or TokenKind.AtParen or TokenKind.DollarParen or TokenKind.LBracket:
                    depth++;
                    break;
                case TokenKind.RParen or TokenKind.RCurly or TokenKind.RBracket:
                    depth--;
                    break;
                case TokenKind.Semi or TokenKind.NewLine when depth == 0:
                    separatorEnd = token.Extent.EndOffset;
                    firstAfter = null;
                    continue;
            }
            firstAfter ??= token;
            if (token.Kind == TokenKind.Comment) firstAfter = null;
        }
        if (depth != 0) return null;
        if (firstAfter is null) return (at, "");
        int start = firstAfter.Extent.StartOffset;
        string word = table.Extent.StartScriptPosition.GetFullScript()[start..at];
        if (!System.Text.RegularExpressions.Regex.IsMatch(word, @"^['""]?[\w.]*['""]?$")) return null;
        return (start, word.Trim('\'', '"'));
    }
}
