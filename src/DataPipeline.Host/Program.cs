using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace DataPipeline.Host;

internal static class Program
{
    private const string ModuleManifest = "DataPipeline.psd1";

    private static int Main(string[] args)
    {
        HostOptions options;
        try
        {
            options = CommandLine.Parse(args);
        }
        catch (CommandLineException e)
        {
            Console.Error.WriteLine($"dpsh: {e.Message}");
            Console.Error.WriteLine("Run 'dpsh -Help' for usage.");
            return ExitCodes.UsageError;
        }

        if (options.ShowHelp)
        {
            Console.Out.Write(CommandLine.Usage);
            return ExitCodes.Success;
        }

        // An overwritten status line only makes sense on a terminal someone is watching; a
        // scheduled job (-NonInteractive, output to a log) gets no progress at all.
        var showProgress = !options.NonInteractive && !Console.IsErrorRedirected && !Console.IsOutputRedirected;
        var ui = new ConsoleHostUserInterface(
            new ConsoleStream(Console.Out, IsTerminal: !Console.IsOutputRedirected),
            new ConsoleStream(Console.Error, IsTerminal: !Console.IsErrorRedirected),
            Console.In,
            options.NonInteractive,
            showProgress);
        var host = new ConsoleHost(ui);

        using var runspace = OpenRunspace(host);
        if (runspace is null)
        {
            return ExitCodes.ModuleLoadFailed;
        }

        if (!showProgress)
        {
            // Cmdlets then skip building progress records, instead of the host dropping them.
            runspace.SessionStateProxy.SetVariable("ProgressPreference", ActionPreference.SilentlyContinue);
        }

        var interrupts = new InterruptHandler();
        Console.CancelKeyPress += interrupts.OnCancelKeyPress;
        var runner = new ScriptRunner(runspace, host, options.OutputFormat, interrupts, Console.Out);

        return options.Mode switch
        {
            RunMode.Command => runner.RunScript(options.Script == "-" ? Console.In.ReadToEnd() : options.Script!),
            RunMode.File => runner.RunFile(options.FilePath!, options.FileArguments),
            _ => new InteractiveLoop(runner, host, Console.In, showPrompt: !Console.IsInputRedirected).Run(),
        };
    }

    /// <summary>A runspace with DataPipeline imported from dpsh's own folder, or null if it cannot start.</summary>
    private static Runspace? OpenRunspace(ConsoleHost host)
    {
        var iss = InitialSessionState.CreateDefault2();
        if (OperatingSystem.IsWindows())
        {
            // Scripts a user asks dpsh to run are meant to run. Elsewhere there is no policy, and
            // setting one throws PlatformNotSupportedException when the runspace opens.
            iss.ExecutionPolicy = Microsoft.PowerShell.ExecutionPolicy.Bypass;
        }

        var manifest = Path.Combine(AppContext.BaseDirectory, ModuleManifest);
        if (File.Exists(manifest))
        {
            iss.ImportPSModule(manifest);
        }
        else
        {
            host.UI.WriteWarningLine($"{manifest} not found; running without the DataPipeline module.");
        }

        var runspace = RunspaceFactory.CreateRunspace(host, iss);
        try
        {
            runspace.Open();
        }
        catch (RunspaceOpenModuleLoadException e)
        {
            host.UI.WriteErrorLine($"dpsh: the DataPipeline module failed to load: {e.Message}");
            foreach (var error in e.ErrorRecords)
            {
                host.UI.WriteErrorLine(error.ToString());
            }

            runspace.Dispose();
            return null;
        }

        runspace.SessionStateProxy.Path.SetLocation(WildcardPattern.Escape(Environment.CurrentDirectory));
        // Script properties read while writing JSON run on this thread and need a default runspace.
        Runspace.DefaultRunspace = runspace;
        return runspace;
    }
}
