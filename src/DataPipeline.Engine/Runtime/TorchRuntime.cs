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
                DisableNnpackWhereUnsupported();
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
    /// The mmap threshold cannot go above 32 MiB, so blocks larger than that (the lab's network
    /// has several at batch 32) were still mapped fresh and faulted in on every step: 160,000-260,000
    /// minor faults per unet2d-seed training step, about 16% more CPU per step (issue 13, bench
    /// steps_probe). M_MMAP_MAX 0 serves them from the heap as well: under 200 faults per step.
    /// On any thread but the process's first (pwsh runs a pipeline on another), glibc gives such a
    /// block a heap of its own and unmaps that heap when the block is freed, whatever the trim
    /// threshold; a top pad of 64 MiB (that heap's size limit) keeps it. A block over 64 MiB on
    /// such a thread is still mapped fresh.
    /// </summary>
    private static void TuneAllocator()
    {
        if (!OperatingSystem.IsLinux()) return;
        const int M_TRIM_THRESHOLD = -1, M_TOP_PAD = -2, M_MMAP_THRESHOLD = -3, M_MMAP_MAX = -4;
        try
        {
            Mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
            Mallopt(M_TRIM_THRESHOLD, 2047 * 1024 * 1024);
            Mallopt(M_MMAP_MAX, 0);
            Mallopt(M_TOP_PAD, 64 * 1024 * 1024);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (musl, for one): the defaults stay, which is only slower.
        }
    }

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnv(string name, string value, int overwrite);

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at13globalContextEv")]
    private static extern IntPtr GlobalContext();

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledMkldnnEb")]
    private static extern void SetUserEnabledMkldnn(IntPtr context, [MarshalAs(UnmanagedType.I1)] bool enabled);

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledNNPACKEb")]
    private static extern void SetUserEnabledNnpack(IntPtr context, [MarshalAs(UnmanagedType.I1)] bool enabled);

    [DllImport("libtorch_cpu", EntryPoint = "nnp_initialize")]
    private static extern int NnpInitialize();

    /// <summary>
    /// Switches NNPACK off on CPUs where it cannot initialise. Why: libtorch picks NNPACK for
    /// convolutions that oneDNN declines (a batch of 1, for one) and, where NNPACK reports
    /// unsupported hardware, writes "Could not initialize NNPACK! Reason: Unsupported hardware." to
    /// the native stderr on every such convolution, which PowerShell's 2>$null cannot catch.
    /// nnp_initialize (libtorch's own, statically linked) answers the same question silently and
    /// caches it; 0 is nnp_status_success. Where libtorch has no NNPACK (Windows builds) nothing changes.
    /// </summary>
    private static void DisableNnpackWhereUnsupported()
    {
        try
        {
            if (NnpInitialize() != 0) SetUserEnabledNnpack(GlobalContext(), false);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // No NNPACK in this libtorch: nothing can write its warning.
        }
    }

    private static bool _isaDecided;

    /// <summary>True when this process capped oneDNN at AVX2 (see <see cref="PrepareConvolutions"/>).</summary>
    public static bool OneDnnIsaCapped { get; private set; }

    /// <summary>True while libtorch runs its native convolutions instead of oneDNN's.</summary>
    public static bool OneDnnDisabled { get; private set; }

    /// <summary>
    /// Picks convolution kernels that are correct for a network whose narrowest layer has
    /// <paramref name="channels"/> channels (1-channel input and output layers aside). Call before
    /// the network's first forward pass.
    ///
    /// Why: libtorch 2.10's oneDNN stores activations of the default layout in blocks of 16 channels
    /// on AVX-512 CPUs (8 on AVX2) and leaves the padding of a narrower layer uninitialised; stale NaNs
    /// there turn into NaN gradients. Measured here (AMD EPYC, AVX-512, 2 threads, small U-Nets): 7 of
    /// 20 backward passes NaN with 8 filters, 0 of 20 with 16 (2-D and 3-D), 0 of 30 with 8 filters
    /// once oneDNN is capped at AVX2. So: widths that fill the ISA's blocks keep oneDNN at full speed;
    /// otherwise oneDNN is capped at AVX2 if it has not started yet, and switched off if blocks of 8
    /// do not fit either. A channels-last network (<paramref name="blockedLayouts"/> false) needs
    /// none of this: oneDNN runs its plain NHWC/NDHWC kernels on it (acdb/acdeb in ONEDNN_VERBOSE),
    /// which have no channel padding: 0 NaN runs of 40 at 8 filters and full AVX-512 (issue 13); only
    /// widths that fit no block of 8 still switch it off, for reproducibility across processes.
    /// The switch is process-wide and only ever goes off: switching it back on for a wide network
    /// would hand oneDNN to a narrow one training on another thread at the same moment (as
    /// Invoke-TrainingSweep -ThrottleLimit runs them). A user who sets ONEDNN_MAX_CPU_ISA keeps their
    /// choice of ISA.
    /// </summary>
    /// <param name="blockedLayouts">False when every activation the network hands oneDNN is channels-last.</param>
    public static void PrepareConvolutions(int channels, bool blockedLayouts = true)
    {
        EnsureLoaded();
        if (!OperatingSystem.IsLinux() || !CpuHasAvx512()) return;
        bool userChoseIsa = Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA") is not null ||
                            Environment.GetEnvironmentVariable("DNNL_MAX_CPU_ISA") is not null;
        lock (Gate)
        {
            if (!blockedLayouts)
            {
                // The first network decides the ISA: a narrow default-layout network built later in
                // this process finds oneDNN uncapped and switches it off (below), which is correct.
                _isaDecided = true;
                // Widths that fit no block of 8 run libtorch's native kernels in either layout. Not for
                // NaNs (plain layouts have no padding) but so that such a network gives the same numbers
                // in every process: oneDNN, once switched off in a process (a narrow default-layout
                // network, a non-finite step), stays off, so leaving it on here made a sweep's results
                // depend on which process trained a combination (Cluster.Tests: Local vs a re-run Slurm job).
                if (channels % 8 != 0) DisableOneDnn();
                return;
            }
            if (!_isaDecided && !userChoseIsa && channels % 16 != 0)
            {
                // oneDNN reads the native environment once, at its first use; .NET's own copy is not enough on Unix.
                SetEnv("ONEDNN_MAX_CPU_ISA", "AVX2", 0);
                Environment.SetEnvironmentVariable("ONEDNN_MAX_CPU_ISA", "AVX2");
                OneDnnIsaCapped = true;
            }
            _isaDecided = true;
            bool blocksFit = channels % 16 == 0 || (OneDnnIsaCapped && channels % 8 == 0);
            if (!blocksFit) DisableOneDnn();
        }
    }

    /// <summary>
    /// Switches libtorch from oneDNN to its native convolutions for the rest of the process: after a
    /// forward pass over NaN values, oneDNN's stale padding holds NaNs too (see
    /// <see cref="PrepareConvolutions"/>), and every later network would inherit them.
    /// </summary>
    public static void DisableOneDnnAfterNonFinite()
    {
        lock (Gate)
        {
            DisableOneDnn();
        }
    }

    /// <summary>
    /// TorchSharp has no switch for oneDNN, so at::globalContext().setUserEnabledMkldnn is called
    /// directly (Itanium C++ names: the Linux and macOS builds of libtorch).
    /// </summary>
    private static void DisableOneDnn()
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

    private static bool CpuHasAvx512()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").Any(line => line.StartsWith("flags", StringComparison.Ordinal) && line.Contains(" avx512f"));
        }
        catch (IOException)
        {
            return false;
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
