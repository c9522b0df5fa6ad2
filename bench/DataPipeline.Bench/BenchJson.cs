using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Runtime;

namespace DataPipeline.Bench;

/// <summary>
/// Pieces of the one-line JSON result that every mode shares with its peer in shared/bench:
/// the environment, load average, time stamp and resolved config, written the way the peers'
/// json.dumps writes them (compact, keys in a fixed order).
/// </summary>
internal static class BenchJson
{
    /// <summary>The peers' ENV_KEYS: variables that change the numbers, echoed so runs can be matched.</summary>
    private static readonly string[] EnvKeys =
    [
        "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
        "MKL_NUM_THREADS", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_MAX_", "MALLOC_TOP_PAD_", "MALLOC_ARENA_MAX", "LD_PRELOAD",
    ];

    /// <summary>Builds one compact JSON object; the caller writes its members in the peer's order.</summary>
    public static string Line(Action<Utf8JsonWriter> members)
    {
        using var buffer = new MemoryStream();
        // Relaxed escaping keeps "bce+dice" and paths readable, as json.dumps writes them.
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            members(writer);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>
    /// The run's environment: the peers' keys as the process started with them, plus the oneDNN ISA
    /// in effect, which TorchRuntime may have capped itself (the peer's oneDNN runs uncapped unless
    /// the variable was set for it too).
    /// </summary>
    public static Dictionary<string, string?> CaptureEnvironment() =>
        EnvKeys.ToDictionary(k => k, Environment.GetEnvironmentVariable);

    public static void WriteEnvironment(Utf8JsonWriter w, Dictionary<string, string?> atStart)
    {
        w.WriteStartObject("env");
        foreach (var (key, value) in atStart) WriteStringOrNull(w, key, value);
        WriteStringOrNull(w, "ONEDNN_MAX_CPU_ISA", Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA"));
        w.WriteBoolean("onednn_isa_capped_by_module", TorchRuntime.OneDnnIsaCapped);
        w.WriteEndObject();
    }

    /// <summary>1, 5 and 15-minute load averages rounded to 2 places, as os.getloadavg() in the peers; empty off Linux.</summary>
    public static double[] LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ').Take(3)
                .Select(s => Math.Round(double.Parse(s, CultureInfo.InvariantCulture), 2)).ToArray();
        }
        catch (IOException)
        {
            return [];
        }
    }

    public static string Utc() => DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>statistics.median, as the peers report: the mean of the two middle values for an even count.</summary>
    public static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>Milliseconds rounded to 3 places, as the peers' round(t * 1e3, 3).</summary>
    public static double Ms(double seconds) => Math.Round(seconds * 1e3, 3);

    public static void WriteNumbers(Utf8JsonWriter w, string name, IEnumerable<double> values)
    {
        w.WritePropertyName(name);
        WriteNumberValues(w, values);
    }

    /// <summary>An array as an element of an enclosing array.</summary>
    public static void WriteNumberValues(Utf8JsonWriter w, IEnumerable<double> values)
    {
        w.WriteStartArray();
        foreach (double v in values) w.WriteNumberValue(v);
        w.WriteEndArray();
    }

    /// <summary>
    /// The fully resolved config: the named sections with every key the engine knows, under the
    /// TOML names and in schema order. It can hold keys the peer lacks (ours has [batch] shuffle,
    /// [training] epochs, ...); the peer's keys mean the same on both sides.
    /// </summary>
    public static void WriteConfig(Utf8JsonWriter w, PipelineConfig config, params string[] sectionNames)
    {
        var sections = ConfigLoader.Sections.Zip(config.Sections()).ToDictionary(p => p.First.Name);
        w.WriteStartObject("config");
        foreach (string name in sectionNames)
        {
            var (section, instance) = sections[name];
            w.WriteStartObject(name);
            foreach (var key in section.Keys) WriteValue(w, key.Name, key.Property.GetValue(instance));
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter w, string name, object? value)
    {
        switch (value)
        {
            case null: w.WriteNull(name); break;
            case bool b: w.WriteBoolean(name, b); break;
            case int i: w.WriteNumber(name, i); break;
            case long l: w.WriteNumber(name, l); break;
            case double d: w.WriteNumber(name, d); break;
            case string s: w.WriteString(name, s); break;
            case Enum e: w.WriteString(name, ConfigEnum.NameOf(e)); break;
            case IntRange r: WriteNumbers(w, name, [r.Low, r.High]); break;
            case DoubleRange r: WriteNumbers(w, name, [r.Low, r.High]); break;
            default: throw new NotSupportedException($"config key {name} has a type the bench cannot write: {value.GetType().Name}");
        }
    }

    private static void WriteStringOrNull(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null) w.WriteNull(name);
        else w.WriteString(name, value);
    }

    /// <summary>The peer's closing keys: load averages at start and end (to spot a disturbed run) and the UTC time.</summary>
    public static void WriteLoadAndTime(Utf8JsonWriter w, IEnumerable<double> loadStart, IEnumerable<double> loadEnd)
    {
        w.WriteStartArray("loadavg_start_end");
        WriteNumberValues(w, loadStart);
        WriteNumberValues(w, loadEnd);
        w.WriteEndArray();
        w.WriteString("utc", Utc());
    }
}
