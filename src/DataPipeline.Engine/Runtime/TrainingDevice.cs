using System.Reflection;
using static TorchSharp.torch;

namespace DataPipeline.Engine.Runtime;

/// <summary>
/// A device that training and prediction can run on, as -Device names it (cpu, cuda:N). CPU
/// entries carry the core and libtorch thread counts; CUDA entries their index. A CUDA entry that
/// is not available says why in <see cref="Note"/>.
/// </summary>
public sealed record TrainingDevice(string Device, string Type, int? Index, bool Available, string? Name, int? Cores, int? Threads, string Note)
{
    /// <summary>The TorchBackend build property this engine was compiled with (cpu, cuda-linux, cuda-windows).</summary>
    public static string Backend { get; } =
        typeof(TrainingDevice).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "TorchBackend")?.Value ?? "cpu";

    /// <summary>The CPU, then every CUDA device libtorch sees, or one unavailable CUDA entry saying why none is.</summary>
    public static IReadOnlyList<TrainingDevice> List()
    {
        TorchRuntime.EnsureLoaded();
        var devices = new List<TrainingDevice>
        {
            new("cpu", "CPU", null, true, CpuName(), Environment.ProcessorCount, get_num_threads(),
                $"libtorch uses {get_num_threads()} of {Environment.ProcessorCount} logical cores; -Threads or [training] threads changes it."),
        };
        if (cuda.is_available())
        {
            // TorchSharp 0.107 exposes neither the name nor the memory of a CUDA device.
            for (int i = 0; i < cuda.device_count(); i++)
                devices.Add(new($"cuda:{i}", "CUDA", i, true, null, null, null, $"TorchSharp backend {Backend}."));
        }
        else
        {
            string why = Backend == "cpu"
                ? "CUDA unavailable: this build uses TorchSharp's CPU backend; build with -p:TorchBackend=cuda-linux (or cuda-windows) on a machine with an NVIDIA GPU."
                : $"CUDA unavailable: the {Backend} backend found no NVIDIA GPU (check the driver with nvidia-smi and CUDA_VISIBLE_DEVICES).";
            devices.Add(new("cuda", "CUDA", null, false, null, null, null, why));
        }
        return devices;
    }

    /// <summary>The processor's model name where the OS reports one (Linux, Windows), else null.</summary>
    private static string? CpuName()
    {
        if (OperatingSystem.IsWindows()) return Environment.GetEnvironmentVariable("PROCESSOR_IDENTIFIER");
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line?[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
