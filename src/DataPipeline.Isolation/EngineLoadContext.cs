using System.Reflection;
using System.Runtime.Loader;

namespace DataPipeline.Isolation;

/// <summary>
/// The load context of the engine and everything it needs (TorchSharp and libtorch, Tomlyn, PureHDF,
/// ScottPlot and SkiaSharp, SharpZipLib, ...) in a staged module: all of it lives in the module's
/// Dependencies/ folder and binds here, so another module that put a different version of one of
/// these libraries in the default context neither breaks DataPipeline nor is broken by it.
/// </summary>
/// <remarks>
/// Assemblies that are not in Dependencies/ (the framework, System.Management.Automation) fall
/// through to the default context, so engine objects stay ordinary .NET objects to PowerShell.
/// </remarks>
internal sealed class EngineLoadContext(string dependencyDirectory) : AssemblyLoadContext("DataPipeline.Engine")
{
    protected override Assembly? Load(AssemblyName assemblyName)
    {
        // Satellite (resource) assemblies sit in a folder named for their culture, as publish lays them out.
        var folder = string.IsNullOrEmpty(assemblyName.CultureName)
            ? dependencyDirectory
            : Path.Combine(dependencyDirectory, assemblyName.CultureName);
        var path = Path.Combine(folder, assemblyName.Name + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }

    /// <summary>
    /// P/Invokes of assemblies in this context ask here first: SkiaSharp's "libSkiaSharp",
    /// TorchSharp's "LibTorchSharp" and the engine's own "libtorch_cpu" are found in Dependencies/
    /// under their platform file names. libtorch's own dependencies (libc10, libgomp) are found
    /// by the system loader through libtorch's $ORIGIN run path, in the same folder.
    /// </summary>
    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        foreach (var fileName in PlatformFileNames(unmanagedDllName))
        {
            var path = Path.Combine(dependencyDirectory, fileName);
            if (File.Exists(path)) return LoadUnmanagedDllFromPath(path);
        }
        // Not ours (libc, for one): the runtime's own probing takes over.
        return IntPtr.Zero;
    }

    /// <summary>The file names a library name stands for on this platform, as the runtime's probing tries them.</summary>
    private static IEnumerable<string> PlatformFileNames(string name)
    {
        yield return name;
        var (prefix, suffix) = OperatingSystem.IsWindows() ? ("", ".dll")
            : OperatingSystem.IsMacOS() ? ("lib", ".dylib")
            : ("lib", ".so");
        if (!name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)) yield return name + suffix;
        if (prefix.Length > 0 && !name.StartsWith(prefix, StringComparison.Ordinal) && !name.Contains(Path.DirectorySeparatorChar))
        {
            yield return prefix + name + suffix;
        }
    }
}
