using System.Globalization;
using System.Management.Automation.Host;
using System.Reflection;

namespace DataPipeline.Host;

/// <summary>The PSHost that the engine talks to: identity, the UI, and the exit code that 'exit N' sets.</summary>
internal sealed class ConsoleHost(ConsoleHostUserInterface ui) : PSHost
{
    private static readonly Version HostVersion =
        typeof(ConsoleHost).Assembly.GetName().Version ?? new Version(0, 0);

    public override string Name => "dpsh";

    public override Version Version => HostVersion;

    public override Guid InstanceId { get; } = Guid.NewGuid();

    public override PSHostUserInterface UI => ui;

    public ConsoleHostUserInterface ConsoleUI => ui;

    public override CultureInfo CurrentCulture => CultureInfo.CurrentCulture;

    public override CultureInfo CurrentUICulture => CultureInfo.CurrentUICulture;

    /// <summary>The code of a top-level 'exit N', once the script has run one.</summary>
    public int? ExitCode { get; private set; }

    public override void SetShouldExit(int exitCode) => ExitCode = exitCode;

    public override void EnterNestedPrompt() =>
        throw new NotSupportedException("dpsh does not support nested prompts.");

    public override void ExitNestedPrompt() =>
        throw new NotSupportedException("dpsh does not support nested prompts.");

    // dpsh never changes console modes, so there is nothing to save or restore around native programs.
    public override void NotifyBeginApplication()
    {
    }

    public override void NotifyEndApplication()
    {
    }
}
