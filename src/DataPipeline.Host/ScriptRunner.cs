using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Management.Automation.Runspaces;

namespace DataPipeline.Host;

/// <summary>
/// Runs one script or script file in the session's runspace, writes its output and errors, and turns
/// the outcome into a process exit code the way pwsh does.
/// </summary>
internal sealed class ScriptRunner(Runspace runspace, ConsoleHost host, OutputFormat format, InterruptHandler interrupts, TextWriter output)
{
    // $? does not survive into the next pipeline, so the script stores its own last value here.
    private const string LastStatementSucceededVariable = "__dpshLastStatementSucceeded";

    /// <summary>Runs a -Command script; exit code 1 when it throws or its last statement fails.</summary>
    public int RunScript(string script)
    {
        // Parse first, so parse errors point at the user's text rather than at the line appended below.
        Parser.ParseInput(script, out _, out var parseErrors);
        if (parseErrors.Length > 0)
        {
            ReportErrors([new ParseException(parseErrors).ErrorRecord]);
            return ExitCodes.ScriptFailed;
        }

        var recordingScript = $"{script}\n$global:{LastStatementSucceededVariable} = $?";
        if (Invoke(ps => ps.AddScript(recordingScript)) is { } exitCode)
        {
            return exitCode;
        }

        var succeeded = runspace.SessionStateProxy.GetVariable(LastStatementSucceededVariable);
        runspace.SessionStateProxy.PSVariable.Remove(LastStatementSucceededVariable);
        // Missing when the script ended with a top-level 'return', which succeeds.
        return succeeded is null || LanguagePrimitives.IsTrue(succeeded) ? ExitCodes.Success : ExitCodes.ScriptFailed;
    }

    /// <summary>
    /// Runs a -File script with its arguments. As with pwsh, the exit code is the script's 'exit N',
    /// 1 after a terminating error, else 0.
    /// </summary>
    public int RunFile(string path, IReadOnlyList<string> arguments)
    {
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            host.UI.WriteErrorLine($"The argument '{path}' is not recognized as the name of a script file. Check the spelling of the name, or if a path was included, verify that the path is correct and try again.");
            return ExitCodes.ScriptFileNotFound;
        }

        if (!string.Equals(Path.GetExtension(fullPath), ".ps1", StringComparison.OrdinalIgnoreCase))
        {
            host.UI.WriteErrorLine($"Processing -File '{path}' failed because the file does not have a '.ps1' extension. Specify a valid PowerShell script file name, and then try again.");
            return ExitCodes.ScriptFileNotFound;
        }

        var parameters = ScriptParameters(fullPath);
        if (Invoke(ps => ScriptArguments.Add(ps.AddCommand(fullPath), arguments, name => IsSwitch(parameters, name))) is { } exitCode)
        {
            return exitCode;
        }

        // A script file's 'exit N' ends only the script, leaving N in $LASTEXITCODE rather than calling SetShouldExit.
        return runspace.SessionStateProxy.GetVariable("LASTEXITCODE") is int lastExitCode ? lastExitCode : ExitCodes.Success;
    }

    /// <summary>The text of the session's prompt function, as pwsh shows it.</summary>
    public string Prompt()
    {
        using var ps = System.Management.Automation.PowerShell.Create();
        ps.Runspace = runspace;
        try
        {
            var result = ps.AddCommand("prompt").Invoke();
            return result.Count > 0 ? result[0]?.ToString() ?? string.Empty : "PS> ";
        }
        catch (RuntimeException)
        {
            return "PS> ";
        }
    }

    /// <summary>Runs the command that <paramref name="addCommand"/> adds; returns an exit code if the run decided one.</summary>
    private int? Invoke(Action<System.Management.Automation.PowerShell> addCommand)
    {
        using var ps = System.Management.Automation.PowerShell.Create();
        ps.Runspace = runspace;
        addCommand(ps);
        var results = new Collection<PSObject>();
        var terminated = false;
        try
        {
            using (interrupts.Track(ps))
            {
                if (format == OutputFormat.Text)
                {
                    // Errors travel with the output into Out-Default, so they appear in order and in
                    // PowerShell's own error view, which Out-Default writes to the error stream.
                    ps.Commands.Commands[0].MergeMyResults(PipelineResultTypes.Error, PipelineResultTypes.Output);
                    ps.AddCommand("Out-Default").Invoke();
                }
                else
                {
                    ps.Invoke(null, results);
                }
            }
        }
        catch (PipelineStoppedException)
        {
            return host.ExitCode ?? ExitCodes.Interrupted;
        }
        catch (Exception e) when (e is IContainsErrorRecord)
        {
            terminated = true;
            ReportErrors([((IContainsErrorRecord)e).ErrorRecord]);
        }
        finally
        {
            host.ConsoleUI.ClearProgress();
        }

        if (format == OutputFormat.Json)
        {
            // In JSON mode errors cannot share Out-Default with the output, so they follow it on stderr.
            ReportErrors(ps.Streams.Error);
            // The array is written even after a failure: readers of stdout always get valid JSON.
            output.WriteLine(JsonOutputWriter.Serialize(results));
            output.Flush();
        }

        // A stopped Invoke usually returns quietly instead of throwing PipelineStoppedException.
        if (ps.InvocationStateInfo.State == PSInvocationState.Stopped)
        {
            return host.ExitCode ?? ExitCodes.Interrupted;
        }

        return host.ExitCode ?? (terminated ? ExitCodes.ScriptFailed : null);
    }

    /// <summary>Shows errors in PowerShell's own error view, on stderr.</summary>
    private void ReportErrors(IEnumerable<ErrorRecord> errors)
    {
        var records = errors.ToList();
        if (records.Count == 0)
        {
            return;
        }

        using var ps = System.Management.Automation.PowerShell.Create();
        ps.Runspace = runspace;
        host.ConsoleUI.OutputToError = true;
        try
        {
            ps.AddCommand("Out-Default").Invoke(records);
        }
        catch (RuntimeException)
        {
            // The error view could not run (a broken session, say); the plain message still has to be seen.
            records.ForEach(record => host.UI.WriteErrorLine(record.ToString()));
        }
        finally
        {
            host.ConsoleUI.OutputToError = false;
        }
    }

    private Dictionary<string, ParameterMetadata> ScriptParameters(string fullPath)
    {
        try
        {
            var script = runspace.SessionStateProxy.InvokeCommand.GetCommand(fullPath, CommandTypes.ExternalScript);
            return script?.Parameters ?? [];
        }
        catch (ParseException)
        {
            // Running the script reports the parse error properly.
            return [];
        }
    }

    // pwsh lets '-Verb' stand for '-Verbose': a name binds to the parameter it is a unique prefix of, or an alias.
    private static bool IsSwitch(Dictionary<string, ParameterMetadata> parameters, string name)
    {
        if (parameters.TryGetValue(name, out var exact))
        {
            return exact.SwitchParameter;
        }

        var candidates = parameters.Values
            .Where(p => p.Name.StartsWith(name, StringComparison.OrdinalIgnoreCase)
                || p.Aliases.Contains(name, StringComparer.OrdinalIgnoreCase))
            .ToList();
        return candidates.Count == 1 && candidates[0].SwitchParameter;
    }
}
