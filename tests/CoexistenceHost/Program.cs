using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Runtime.Loader;

// Usage: CoexistenceHost <module manifest> <script>
// Loads the stand-in Tomlyn 0.17 into the default context, imports the module, runs the script,
// and reports what the test needs to judge isolation: the script's output, its errors, and where
// each library of interest was loaded from (managed: load context; native: file, from the maps).
if (args.Length != 2)
{
    Console.Error.WriteLine("Usage: CoexistenceHost <module manifest> <script>");
    return 2;
}

Console.WriteLine($"preloaded: {Tomlyn.Toml.Describe()}");

var failed = false;
using (var runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2()))
{
    runspace.Open();
    using var shell = PowerShell.Create(runspace);
    shell.AddScript($"Import-Module '{args[0].Replace("'", "''")}' -ErrorAction Stop\n{args[1]}");
    try
    {
        foreach (var item in shell.Invoke())
        {
            Console.WriteLine($"output: {item}");
        }
    }
    catch (RuntimeException e)
    {
        Console.Error.WriteLine($"terminating: {Describe(e)}");
        failed = true;
    }

    foreach (var error in shell.Streams.Error)
    {
        Console.Error.WriteLine($"error: {Describe(error.Exception)}");
        failed = true;
    }
}

string[] libraries = ["DataPipeline.PowerShell", "DataPipeline.Engine", "Tomlyn", "TorchSharp", "ScottPlot", "SkiaSharp", "PureHDF"];
foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
{
    var name = assembly.GetName();
    if (libraries.Contains(name.Name))
    {
        Console.WriteLine($"managed: {name.Name} {name.Version} {AssemblyLoadContext.GetLoadContext(assembly)?.Name} {assembly.Location}");
    }
}

if (OperatingSystem.IsLinux())
{
    foreach (var path in File.ReadLines("/proc/self/maps").Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Last()).Distinct())
    {
        var file = Path.GetFileName(path);
        if (file.StartsWith("libLibTorchSharp", StringComparison.Ordinal) || file.StartsWith("libtorch_cpu", StringComparison.Ordinal)
            || file.StartsWith("libSkiaSharp", StringComparison.Ordinal))
        {
            Console.WriteLine($"native: {path}");
        }
    }
}

return failed ? 1 : 0;

static string Describe(Exception e)
{
    var text = $"{e.GetType().Name}: {e.Message}";
    for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
    {
        text += $" <- {inner.GetType().Name}: {inner.Message}";
    }
    return text;
}
