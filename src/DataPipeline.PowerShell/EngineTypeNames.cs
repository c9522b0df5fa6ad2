using System.Management.Automation;
using System.Reflection;
using DataPipeline.Engine.Frames;

namespace DataPipeline.PowerShell;

/// <summary>
/// Makes the engine's public types nameable in scripts by their full names
/// (<c>[DataPipeline.Engine.Frames.Frame]</c>, <c>param([DataPipeline.Engine.Frames.Frame]$f)</c>,
/// <c>$x -is [...]</c>, <c>'...' -as [type]</c>) by registering a PowerShell type accelerator for
/// each at import, and removing them at Remove-Module.
/// </summary>
/// <remarks>
/// Why accelerators: in the staged module the engine loads in its own assembly load context
/// (DataPipeline.Isolation), and PowerShell resolves type names only among the default context's
/// assemblies, so without them the names in help's INPUTS/OUTPUTS could not be written. Moving the
/// public object model into an assembly of the default context is not possible without moving
/// TorchSharp with it (UNetModel.Build gives a TorchSharp module, UNet, and the model types use it), which
/// is what the isolation exists to avoid. An accelerator names the very type the cmdlets emit; third-party
/// libraries stay unnameable and isolated. PowerShell keeps accelerators in one process-wide table,
/// so several runspaces importing the module share one registration, counted, and the last
/// Remove-Module takes it away.
/// The table's class is internal to PowerShell (its public face is
/// <c>[psobject].Assembly.GetType('System.Management.Automation.TypeAccelerators')</c>, which
/// modules use for the same purpose), so it is reached by reflection; without it, the types are
/// simply not nameable, as before.
/// </remarks>
public sealed class EngineTypeNames : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private static readonly object Gate = new();
    private static int _imports;

    public void OnImport()
    {
        lock (Gate)
        {
            if (_imports++ > 0) return;
            var table = Table();
            var add = table?.GetMethod("Add", [typeof(string), typeof(Type)]);
            if (add is null) return;
            foreach (var type in Nameable()) add.Invoke(null, [type.FullName!, type]);
        }
    }

    public void OnRemove(PSModuleInfo module)
    {
        lock (Gate)
        {
            if (_imports == 0 || --_imports > 0) return;
            var remove = Table()?.GetMethod("Remove", [typeof(string)]);
            if (remove is null) return;
            foreach (var type in Nameable()) remove.Invoke(null, [type.FullName!]);
        }
    }

    /// <summary>
    /// Every public, non-generic type of the engine assembly: all that the cmdlets take and emit
    /// (Frame, BatchGenerator, Batch, TrainingRun, EpochRecord, EvaluationResult, MatVariable,
    /// SweepRun, UNetModel, ...) and the enums their parameters take.
    /// </summary>
    internal static IEnumerable<Type> Nameable() =>
        typeof(Frame).Assembly.GetExportedTypes().Where(t => !t.IsGenericTypeDefinition && t.FullName is not null);

    private static Type? Table() =>
        typeof(PSObject).Assembly.GetType("System.Management.Automation.TypeAccelerators");
}
