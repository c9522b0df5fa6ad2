using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace DataPipeline.Engine.Runtime;

/// <summary>
/// libtorch's automatic mixed precision (torch.autocast) for the calling thread. TorchSharp 0.107
/// has no autocast API, but libtorch exports the functions Python's torch.autocast calls
/// (at::autocast::set_autocast_enabled, set_autocast_dtype, clear_cache); they act through
/// thread-local dispatch keys, so every TorchSharp call on this thread is autocast while the scope
/// is open, and other threads (runs side by side) are not affected.
/// </summary>
public sealed class Autocast : IDisposable
{
    // c10::DeviceType and c10::ScalarType are int8_t enums.
    private const sbyte CpuType = 0, CudaType = 1;
    private const sbyte Float16 = 5, BFloat16 = 15;

    private delegate void SetEnabled(sbyte device, [MarshalAs(UnmanagedType.I1)] bool enabled);
    private delegate void SetDtype(sbyte device, sbyte dtype);
    [return: MarshalAs(UnmanagedType.I1)]
    private delegate bool IsEnabled(sbyte device);
    private delegate void ClearCache();

    private sealed record Entries(SetEnabled SetEnabled, SetDtype SetDtype, IsEnabled IsEnabled, ClearCache ClearCache);

    private static readonly Lazy<Entries?> Native = new(Bind);

    /// <summary>True when this libtorch exports the autocast functions (Itanium C++ names: Linux and macOS builds).</summary>
    public static bool Available => Native.Value is not null;

    private readonly sbyte _device;

    private Autocast(sbyte device, bool half)
    {
        _device = device;
        var native = Native.Value!;
        native.SetDtype(device, half ? Float16 : BFloat16);
        native.SetEnabled(device, true);
    }

    /// <summary>
    /// Opens an autocast scope on <paramref name="device"/>: float16 when <paramref name="half"/>,
    /// else bfloat16. Convolutions and matrix products then run in that type; reductions, losses and
    /// normalisations stay in float32, as libtorch's autocast op lists say.
    /// </summary>
    public static Autocast Enter(Device device, bool half)
    {
        if (!Available)
            throw new NotSupportedException("This libtorch does not export at::autocast (a Windows build, whose C++ names differ); train with training.precision = \"fp32\".");
        return new Autocast(device.type == DeviceType.CUDA ? CudaType : CpuType, half);
    }

    /// <summary>True while an autocast scope is open on this thread for <paramref name="device"/>.</summary>
    public static bool IsActive(Device device) =>
        Native.Value is { } native && native.IsEnabled(device.type == DeviceType.CUDA ? CudaType : CpuType);

    /// <summary>
    /// Closes the scope and drops the low-precision copies of the weights autocast cached during it,
    /// as leaving Python's outermost autocast block does: after the optimizer's step they are stale.
    /// </summary>
    public void Dispose()
    {
        var native = Native.Value!;
        native.SetEnabled(_device, false);
        native.ClearCache();
    }

    private static Entries? Bind()
    {
        TorchRuntime.EnsureLoaded();
        // Probed as the [DllImport("libtorch_cpu")] declarations in TorchRuntime are.
        if (!NativeLibrary.TryLoad("libtorch_cpu", typeof(Autocast).Assembly, null, out var handle)) return null;
        T? Entry<T>(string name) where T : Delegate =>
            NativeLibrary.TryGetExport(handle, name, out var address) ? Marshal.GetDelegateForFunctionPointer<T>(address) : null;
        var setEnabled = Entry<SetEnabled>("_ZN2at8autocast20set_autocast_enabledEN3c1010DeviceTypeEb");
        var setDtype = Entry<SetDtype>("_ZN2at8autocast18set_autocast_dtypeEN3c1010DeviceTypeENS1_10ScalarTypeE");
        var isEnabled = Entry<IsEnabled>("_ZN2at8autocast19is_autocast_enabledEN3c1010DeviceTypeE");
        var clearCache = Entry<ClearCache>("_ZN2at8autocast11clear_cacheEv");
        return setEnabled is null || setDtype is null || isEnabled is null || clearCache is null
            ? null
            : new Entries(setEnabled, setDtype, isEnabled, clearCache);
    }
}
