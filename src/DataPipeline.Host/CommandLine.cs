namespace DataPipeline.Host;

internal enum OutputFormat
{
    Text,
    Json,
}

internal enum RunMode
{
    Interactive,
    Command,
    File,
}

/// <summary>What dpsh was asked to do. <see cref="Script"/> is "-" when the command comes from stdin.</summary>
internal sealed record HostOptions(
    RunMode Mode,
    string? Script,
    string? FilePath,
    IReadOnlyList<string> FileArguments,
    OutputFormat OutputFormat,
    bool NonInteractive,
    bool ShowHelp);

internal sealed class CommandLineException(string message) : Exception(message);

internal static class CommandLine
{
    public const string Usage = """
        Usage: dpsh [options] [-Command <script> | -File <path> [args...]]

          -Command, -c <script>     Run the script (the remaining arguments joined by spaces) and exit.
                                    '-Command -' reads the script from stdin.
          -File, -f <path> [args]   Run a script file; the remaining arguments go to the script
                                    ('-Name value' and '-Name:value' bind to its parameters).
          -OutputFormat, -of Text|Json
                                    Text (default): PowerShell's own formatting.
                                    Json: the output objects as one JSON array.
          -NonInteractive, -noni    Fail instead of prompting for input, and show no progress (for cron,
                                    systemd timers and CI). Progress is also off when stdout or stderr
                                    is redirected: $ProgressPreference starts as SilentlyContinue.
          -NoProfile, -nop          Accepted for compatibility with pwsh; dpsh never loads profiles.
          -NoLogo, -nol             Accepted for compatibility with pwsh.
          -Help, -h, -?             Show this text.

        With no -Command or -File, dpsh reads commands at an interactive prompt until 'exit' or end of input.
        A first argument that is not an option is taken as the -File path, as pwsh does.

        Exit codes:
          0    success
          1    the script failed: a terminating error, a failed last statement, or a parse error
          2    usage error: an unknown dpsh option or a missing option value
          3    the DataPipeline module could not be loaded; no script ran
          64   -File names a script that does not exist or is not a .ps1 file
          130  interrupted by Ctrl+C (SIGINT)
          N    the script's own 'exit N'

        """;

    public static HostOptions Parse(IReadOnlyList<string> args)
    {
        var format = OutputFormat.Text;
        var nonInteractive = false;

        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!IsOption(arg))
            {
                return FileOptions(arg, args, i + 1);
            }

            switch (OptionName(arg))
            {
                case "command" or "c":
                    if (i + 1 >= args.Count)
                    {
                        throw new CommandLineException("-Command needs a script.");
                    }

                    // pwsh joins everything after -Command into one script, so unquoted words work too.
                    var script = string.Join(' ', args.Skip(i + 1));
                    return new HostOptions(RunMode.Command, script, null, [], format, nonInteractive, ShowHelp: false);

                case "file" or "f":
                    if (i + 1 >= args.Count)
                    {
                        throw new CommandLineException("-File needs a script path.");
                    }

                    return FileOptions(args[i + 1], args, i + 2);

                case "outputformat" or "of" or "o":
                    format = ParseOutputFormat(i + 1 < args.Count ? args[i + 1] : null);
                    i++;
                    break;

                case "noninteractive" or "noni":
                    nonInteractive = true;
                    break;

                case "noprofile" or "nop" or "nologo" or "nol":
                    break;

                case "help" or "h" or "?":
                    return new HostOptions(RunMode.Interactive, null, null, [], format, nonInteractive, ShowHelp: true);

                default:
                    throw new CommandLineException($"Unknown option '{arg}'.");
            }
        }

        return new HostOptions(RunMode.Interactive, null, null, [], format, nonInteractive, ShowHelp: false);

        HostOptions FileOptions(string path, IReadOnlyList<string> all, int firstScriptArgument) =>
            new(RunMode.File, null, path, all.Skip(firstScriptArgument).ToArray(), format, nonInteractive, ShowHelp: false);
    }

    private static OutputFormat ParseOutputFormat(string? value)
    {
        // Only the names: Enum.TryParse would also accept "1".
        foreach (var format in Enum.GetValues<OutputFormat>())
        {
            if (string.Equals(format.ToString(), value, StringComparison.OrdinalIgnoreCase))
            {
                return format;
            }
        }

        throw new CommandLineException("-OutputFormat must be Text or Json.");
    }

    // "-" alone means "stdin" to -Command, so it is a value, not an option.
    private static bool IsOption(string arg) => arg.Length > 1 && arg[0] == '-' || arg == "/?";

    private static string OptionName(string arg) =>
        arg.TrimStart('-', '/').ToLowerInvariant();
}
