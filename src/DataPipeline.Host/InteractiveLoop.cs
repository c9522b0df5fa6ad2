using System.Management.Automation.Language;

namespace DataPipeline.Host;

/// <summary>The read-run-print loop that 'dpsh' alone starts. Ends on 'exit' or end of input.</summary>
internal sealed class InteractiveLoop(ScriptRunner runner, ConsoleHost host, TextReader input, bool showPrompt)
{
    private const string ContinuationPrompt = ">> ";

    public int Run()
    {
        var lastExitCode = 0;
        while (host.ExitCode is null)
        {
            WritePrompt(runner.Prompt());
            var script = ReadStatement();
            if (script is null)
            {
                break;
            }

            if (!string.IsNullOrWhiteSpace(script))
            {
                lastExitCode = runner.RunScript(script);
            }
        }

        return host.ExitCode ?? lastExitCode;
    }

    /// <summary>Reads lines until they parse as complete input (an open brace asks for more), or null at end of input.</summary>
    private string? ReadStatement()
    {
        var text = input.ReadLine();
        while (text is not null && IsIncomplete(text))
        {
            WritePrompt(ContinuationPrompt);
            var next = input.ReadLine();
            if (next is null)
            {
                break;
            }

            text += "\n" + next;
        }

        return text;
    }

    private void WritePrompt(string prompt)
    {
        // Prompts in piped input would only pollute the output.
        if (showPrompt)
        {
            host.UI.Write(prompt);
        }
    }

    private static bool IsIncomplete(string text)
    {
        Parser.ParseInput(text, out _, out var errors);
        return errors.Any(e => e.IncompleteInput);
    }
}
