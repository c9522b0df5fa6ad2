using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace DataPipeline.Isolation;

/// <summary>
/// Isolates the engine and its dependencies from whatever else the PowerShell session has loaded,
/// following PowerShell's guidance on resolving module assembly dependency conflicts.
/// </summary>
/// <remarks>
/// Two layouts meet here:
/// <list type="bullet">
/// <item>The staged module (build.ps1 -Task Package, and the .nupkg made from it) keeps only the
/// manifest, this assembly, the cmdlet assembly, the views and the help at its root, and everything
/// else in Dependencies/. The default context cannot find DataPipeline.Engine there, so it raises
/// Resolving, and only for the engine this handler answers with the engine loaded in
/// <see cref="EngineLoadContext"/>; from then on every dependency of the engine binds in that
/// context. Only the engine's name must be unique among loaded modules: it is the one door
/// between the two contexts.</item>
/// <item>Build outputs (the tests') are flat: their .deps.json put the engine and its
/// dependencies in the default context, the handler is never asked, and a debugger or a unit
/// test sees one context. Isolation is proved against the staged module and the package in a
/// separate process (tests/Unit/Pipeline/CoexistenceTests.cs), since a process that already holds
/// the engine in its default context cannot show it.</item>
/// </list>
/// Why a nested module of its own rather than an initializer in the cmdlet assembly: PowerShell
/// calls GetExportedTypes on a binary module before it runs that module's initializer, and the
/// cmdlets' fields of engine enum and struct types make the runtime load the engine right then.
/// The manifest lists this assembly in NestedModules, which PowerShell imports before the root
/// module, so the handler is in place first.
/// The cmdlet assembly must still reference engine types only, never TorchSharp, Tomlyn, PureHDF or
/// ScottPlot types directly: those would bind in the default context, beside another module's copy.
/// </remarks>
public sealed class ModuleInitializer : IModuleAssemblyInitializer
{
    private const string DependencyFolderName = "Dependencies";

    private const string EngineAssemblyName = "DataPipeline.Engine";

    private static readonly object Gate = new();
    private static EngineLoadContext? _engineContext;

    public void OnImport()
    {
        // Every runspace that imports the module calls this; one context serves the process.
        lock (Gate)
        {
            if (_engineContext is not null) return;
            var moduleDirectory = Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!;
            var dependencies = Path.Combine(moduleDirectory, DependencyFolderName);
            if (!File.Exists(Path.Combine(dependencies, EngineAssemblyName + ".dll"))) return;
            _engineContext = new EngineLoadContext(dependencies);
            AssemblyLoadContext.Default.Resolving += ResolveEngine;
        }
    }

    private static Assembly? ResolveEngine(AssemblyLoadContext defaultContext, AssemblyName name) =>
        name.Name == EngineAssemblyName ? _engineContext?.LoadFromAssemblyName(name) : null;
}
