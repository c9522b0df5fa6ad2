using System.Runtime.InteropServices;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace DataPipeline.Engine.Runtime;

/// <summary>
/// The one door to libtorch: loads it once, turns a failed load into an explanation, sets the
/// allocator and thread count, and resolves device names. Everything that touches tensors calls
/// <see cref="EnsureLoaded"/> first.
/// </summary>
public static class TorchRuntime
{
    public const string RequiredGlibcxx = "GLIBCXX_3.4.32";
    public const string FixCommand = "sudo bash tools/install-prerequisites.sh";

    private static readonly object Gate = new();
    private static TorchUnavailableException? _failure;
    private static bool _loaded;

    /// <summary>Loads libtorch once; throws <see cref="TorchUnavailableException"/> when it cannot.</summary>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (_loaded) return;
            if (_failure is not null) throw _failure;
            try
            {
                TuneAllocator();
                InitializeDeviceType(DeviceType.CPU);
                _loaded = true;
            }
            catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or NotSupportedException
                                          or BadImageFormatException or EntryPointNotFoundException or InvalidOperationException)
            {
                _failure = new TorchUnavailableException(Explain(e, OperatingSystem.IsLinux() ? MissingGlibcxx() : null), e);
                throw _failure;
            }
        }
    }

    /// <summary>Why libtorch did not load, and what to run.</summary>
    /// <param name="libstdcxxLackingSymbol">The system libstdc++ when it lacks <see cref="RequiredGlibcxx"/>.</param>
    internal static string Explain(Exception e, string? libstdcxxLackingSymbol)
    {
        var text = new StringBuilder("The tensor library (libtorch, through TorchSharp) could not be loaded. ");
        if (libstdcxxLackingSymbol is { } libstdcxx)
        {
            text.Append($"{libstdcxx} lacks {RequiredGlibcxx}, which TorchSharp's native wrapper (libLibTorchSharp.so) needs: ")
                .Append("it was built with GCC 13 and Debian 12 ships GCC 12's libstdc++. ")
                .Append($"Fix: run '{FixCommand}' from the DataPipeline repository (it installs libstdc++6 from Debian 13, pinned), then start a new session.");
        }
        else
        {
            text.Append("Check that the module folder holds libtorch's native libraries for this platform ")
                .Append($"({RuntimeInformation.RuntimeIdentifier}); on Linux run '{FixCommand}'.");
        }
        var inner = e;
        while (inner.InnerException is not null) inner = inner.InnerException;
        text.Append(" Loader said: ").Append(inner.Message);
        return text.ToString();
    }

    /// <summary>The system libstdc++ path when it lacks the symbol version TorchSharp needs, else null.</summary>
    internal static string? MissingGlibcxx()
    {
        foreach (var path in new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6" })
        {
            if (!File.Exists(path)) continue;
            try
            {
                var bytes = File.ReadAllBytes(path);
                return bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(RequiredGlibcxx)) >= 0 ? null : path;
            }
            catch (IOException)
            {
                return null;
            }
        }
        return null;
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int Mallopt(int param, int value);

    /// <summary>
    /// glibc returns large freed blocks to the kernel and then page-faults them back on every
    /// training step; keeping them in the heap made steps 2.6-3.4x faster here (shared/notes/torchsharp.md).
    /// </summary>
    private static void TuneAllocator()
    {
        if (!OperatingSystem.IsLinux()) return;
        const int M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3;
        try
        {
            Mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
            Mallopt(M_TRIM_THRESHOLD, 2047 * 1024 * 1024);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (musl, for one): the defaults stay, which is only slower.
        }
    }

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at13globalContextEv")]
    private static extern IntPtr GlobalContext();

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledMkldnnEb")]
    private static extern void SetUserEnabledMkldnn(IntPtr context, [MarshalAs(UnmanagedType.I1)] bool enabled);

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledNNPACKEb")]
    private static extern void SetUserEnabledNnpack(IntPtr context, [MarshalAs(UnmanagedType.I1)] bool enabled);

    /// <summary>True while libtorch runs its native convolutions instead of oneDNN's.</summary>
    public static bool OneDnnDisabled { get; private set; }

    /// <summary>
    /// Switches libtorch from oneDNN to its native convolutions for the rest of the process.
    ///
    /// Why: oneDNN's blocked activation layouts (16 channels a block on AVX-512, 8 on AVX2) leave the
    /// padding of narrower layers uninitialised, and stale NaNs there become NaN gradients. Measured
    /// here (AMD EPYC, AVX-512, 2 threads, 8 filters): 4 of 20 and 7 of 20 runs gave NaN gradients in
    /// the default layout. The U-Net therefore runs channels-last (see ChannelsLast in Models), which
    /// oneDNN computes without padded blocks: 0 of 30 (2-D) and 0 of 20 (3-D) at full ISA. This
    /// switch is the safety net behind that: once a step has gone non-finite, oneDNN's buffers may
    /// hold NaNs, and every later pass would inherit them.
    /// </summary>
    /// <remarks>
    /// TorchSharp has no switch for oneDNN, so at::globalContext().setUserEnabledMkldnn is called
    /// directly (Itanium C++ names: the Linux and macOS builds of libtorch).
    /// </remarks>
    public static void DisableOneDnnAfterNonFinite()
    {
        EnsureLoaded();
        lock (Gate)
        {
            if (OneDnnDisabled) return;
            try
            {
                SetUserEnabledMkldnn(GlobalContext(), false);
                // Without oneDNN, libtorch tries NNPACK on every convolution and, on CPUs it does not
                // support, logs "Could not initialize NNPACK!" each time; its native kernels need no NNPACK.
                SetUserEnabledNnpack(GlobalContext(), false);
                OneDnnDisabled = true;
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                // A libtorch without these symbols: oneDNN stays as it is.
            }
        }
    }


    /// <summary>Sets libtorch's intra-op threads; 0 means one per core.</summary>
    public static void SetThreads(int threads)
    {
        EnsureLoaded();
        set_num_threads(threads > 0 ? threads : Environment.ProcessorCount);
    }

    public static bool CudaAvailable
    {
        get
        {
            EnsureLoaded();
            return cuda.is_available();
        }
    }

    /// <summary>Resolves "auto", "cpu", "cuda" or "cuda:N" to a device, with a clear error when absent.</summary>
    public static Device ResolveDevice(string name)
    {
        EnsureLoaded();
        string spec = name.Trim().ToLowerInvariant();
        if (spec == "auto") return cuda.is_available() ? CUDA : CPU;
        if (spec == "cpu") return CPU;
        if (spec == "cuda" || spec.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!cuda.is_available())
                throw new ArgumentException(
                    $"Device '{name}' was asked for, but CUDA is not available: this build uses TorchSharp's CPU backend " +
                    "or no NVIDIA GPU is visible. Use -Device cpu, or build with -p:TorchBackend=cuda-linux (or cuda-windows).");
            int index = spec == "cuda" ? 0 : int.Parse(spec.AsSpan(5));
            int count = cuda.device_count();
            if (index >= count)
                throw new ArgumentException($"Device '{name}' does not exist: {count} CUDA device(s) are visible (cuda:0 .. cuda:{count - 1}).");
            return new Device(DeviceType.CUDA, index);
        }
        throw new ArgumentException($"Unknown device '{name}'; use auto, cpu, cuda or cuda:N.");
    }
}
