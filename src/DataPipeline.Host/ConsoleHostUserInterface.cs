using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace DataPipeline.Host;

/// <summary>A process stream and whether a person reads it directly, as opposed to a file or a pipe.</summary>
internal sealed record ConsoleStream(TextWriter Writer, bool IsTerminal);

/// <summary>
/// Routes the engine's streams to the process's: output and information to stdout; errors, warnings,
/// verbose, debug and progress to stderr, so stdout stays machine-readable. Information records need no
/// override here: the engine writes those that preferences let through with WriteLine.
/// </summary>
internal sealed class ConsoleHostUserInterface : PSHostUserInterface
{
    private const string NonInteractiveMessage =
        "dpsh is in NonInteractive mode. Read and Prompt functionality is not available.";

    // Pipelines may write from several threads (ForEach-Object -Parallel); keep lines whole.
    private readonly Lock _sync = new();
    private readonly ConsoleHostRawUserInterface _rawUI = new();
    private readonly ConsoleStream _output;
    private readonly ConsoleStream _error;
    private readonly TextReader _input;
    private readonly bool _nonInteractive;
    private readonly ProgressRenderer? _progress;

    /// <param name="showProgress">Render progress records; false drops them.</param>
    public ConsoleHostUserInterface(ConsoleStream output, ConsoleStream error, TextReader input, bool nonInteractive, bool showProgress)
    {
        _output = output;
        _error = error;
        _input = input;
        _nonInteractive = nonInteractive;
        _progress = showProgress ? new ProgressRenderer(error.Writer, () => _rawUI.WindowSize.Width) : null;
    }

    /// <summary>Colours (PowerShell's table headers, error view) only when stdout is a terminal.</summary>
    public override bool SupportsVirtualTerminal => _output.IsTerminal;

    public override PSHostRawUserInterface RawUI => _rawUI;

    /// <summary>
    /// While set, text written as output goes to stderr instead: dpsh formats a terminating error with
    /// Out-Default, which writes through WriteLine.
    /// </summary>
    public bool OutputToError { get; set; }

    public override void Write(string value) => WriteText(OutputToError ? _error : _output, value);

    public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Write(value);

    public override void WriteLine(string value) => Write(value + Environment.NewLine);

    public override void WriteErrorLine(string value) => WriteText(_error, value + Environment.NewLine);

    public override void WriteWarningLine(string message) => WriteErrorLine("WARNING: " + message);

    public override void WriteVerboseLine(string message) => WriteErrorLine("VERBOSE: " + message);

    public override void WriteDebugLine(string message) => WriteErrorLine("DEBUG: " + message);

    public override void WriteProgress(long sourceId, ProgressRecord record)
    {
        if (_progress is null)
        {
            return;
        }

        lock (_sync)
        {
            _progress.Show(record);
        }
    }

    /// <summary>Erases a progress line left on screen, e.g. when a pipeline stops without completing it.</summary>
    public void ClearProgress()
    {
        lock (_sync)
        {
            _progress?.Clear();
        }
    }

    public override string ReadLine()
    {
        EnsureInteractive();
        return _input.ReadLine() ?? string.Empty;
    }

    // Prompts must not take end of input for an answer: a choice prompt would ask forever.
    private string ReadAnswer()
    {
        EnsureInteractive();
        return _input.ReadLine() ?? throw new PSInvalidOperationException("Input ended while dpsh was waiting for an answer.");
    }

    private SecureString ReadSecureAnswer()
    {
        var secure = new SecureString();
        foreach (var c in ReadAnswer())
        {
            secure.AppendChar(c);
        }

        secure.MakeReadOnly();
        return secure;
    }

    public override SecureString ReadLineAsSecureString()
    {
        EnsureInteractive();
        var secure = new SecureString();
        foreach (var c in _input.ReadLine() ?? string.Empty)
        {
            secure.AppendChar(c);
        }

        secure.MakeReadOnly();
        return secure;
    }

    public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions)
    {
        EnsureInteractive();
        WriteCaption(caption, message);
        var answers = new Dictionary<string, PSObject>();
        foreach (var field in descriptions)
        {
            Write($"{field.Name}: ");
            object answer = field.ParameterTypeFullName == typeof(SecureString).FullName
                ? ReadSecureAnswer()
                : ReadAnswer();
            answers[field.Name] = PSObject.AsPSObject(answer);
        }

        return answers;
    }

    public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
    {
        EnsureInteractive();
        WriteCaption(caption, message);
        for (var i = 0; i < choices.Count; i++)
        {
            WriteLine($"[{i}] {choices[i].Label.Replace("&", string.Empty, StringComparison.Ordinal)}  {choices[i].HelpMessage}");
        }

        while (true)
        {
            Write(defaultChoice >= 0 ? $"Choice (default {defaultChoice}): " : "Choice: ");
            var answer = ReadAnswer().Trim();
            if (answer.Length == 0 && defaultChoice >= 0)
            {
                return defaultChoice;
            }

            if (int.TryParse(answer, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < choices.Count)
            {
                return index;
            }

            var byHotkey = FindByHotkey(choices, answer);
            if (byHotkey >= 0)
            {
                return byHotkey;
            }
        }
    }

    public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
        PromptForCredential(caption, message, userName, targetName, PSCredentialTypes.Default, PSCredentialUIOptions.Default);

    public override PSCredential PromptForCredential(
        string caption,
        string message,
        string userName,
        string targetName,
        PSCredentialTypes allowedCredentialTypes,
        PSCredentialUIOptions options)
    {
        EnsureInteractive();
        WriteCaption(caption, message);
        if (string.IsNullOrEmpty(userName))
        {
            Write("User: ");
            userName = ReadAnswer();
        }

        Write($"Password for {userName}: ");
        return new PSCredential(userName, ReadSecureAnswer());
    }

    private void WriteText(ConsoleStream stream, string value)
    {
        lock (_sync)
        {
            _progress?.Clear();
            // Strips the ANSI sequences PowerShell's formatting adds, unless they reach a terminal.
            stream.Writer.Write(GetOutputString(value, stream.IsTerminal));
            stream.Writer.Flush();
        }
    }

    private void WriteCaption(string caption, string message)
    {
        if (!string.IsNullOrEmpty(caption))
        {
            WriteLine(caption);
        }

        if (!string.IsNullOrEmpty(message))
        {
            WriteLine(message);
        }
    }

    private void EnsureInteractive()
    {
        if (_nonInteractive)
        {
            throw new PSInvalidOperationException(NonInteractiveMessage);
        }
    }

    // A label "&Yes" has hotkey Y; matching the whole label too lets users type "yes".
    private static int FindByHotkey(Collection<ChoiceDescription> choices, string answer)
    {
        for (var i = 0; i < choices.Count; i++)
        {
            var label = choices[i].Label;
            var amp = label.IndexOf('&', StringComparison.Ordinal);
            var hotkey = amp >= 0 && amp + 1 < label.Length ? label[amp + 1].ToString() : null;
            if (string.Equals(answer, hotkey, StringComparison.OrdinalIgnoreCase)
                || string.Equals(answer, label.Replace("&", string.Empty, StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }
}
