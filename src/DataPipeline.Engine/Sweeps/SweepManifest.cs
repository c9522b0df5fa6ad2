using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.IO;
using DataPipeline.Engine.Training;

namespace DataPipeline.Engine.Sweeps;

/// <summary>How a sweep chooses which combinations to train, and for how long.</summary>
public enum SweepStrategy
{
    /// <summary>Every combination, each for its training.epochs.</summary>
    Grid,
    /// <summary>Trials combinations drawn from the grid without repeats (seeded), each for its training.epochs.</summary>
    Random,
    /// <summary>Successive halving: all for a few epochs, the best 1/eta go on, up to training.epochs.</summary>
    Halving,
}

/// <summary>One combination of a sweep folder: its values and the folder with its config.toml and run.</summary>
public sealed record SweepCombination(int Index, IReadOnlyDictionary<string, object> Parameters, string Directory)
{
    public string ConfigPath => Path.Combine(Directory, "config.toml");
}

/// <summary>
/// A sweep folder's sweep.json: every combination with its values and its own folder
/// (runs/NNN/config.toml, the base configuration with the combination applied, and the run), where
/// the frames come from (frames.h5 in the folder, or each combination's [simulation] section), and
/// the strategy. Every combination is self-contained, so any process on any host that sees the
/// folder (a Slurm array task, a remote pwsh) can train it with nothing but the folder's path.
/// </summary>
public sealed class SweepManifest
{
    public const string FileName = "sweep.json";
    public const string StoreName = "frames.h5";
    public const string RunnerName = "runner.ps1";

    private SweepManifest(string folder, SweepStrategy strategy, int eta, IReadOnlyList<SweepCombination> combinations, bool simulates)
    {
        Folder = folder;
        Strategy = strategy;
        Eta = eta;
        Combinations = combinations;
        SimulatesFrames = simulates;
    }

    public string Folder { get; }
    public SweepStrategy Strategy { get; }

    /// <summary>Halving's reduction factor: 1/eta of a rung's combinations go on to the next.</summary>
    public int Eta { get; }
    public IReadOnlyList<SweepCombination> Combinations { get; }

    /// <summary>True when each combination simulates its frames; false when all train on frames.h5.</summary>
    public bool SimulatesFrames { get; }
    public string StorePath => Path.Combine(Folder, StoreName);
    public string RunnerPath => Path.Combine(Folder, RunnerName);

    /// <summary>
    /// Writes a new sweep folder for <paramref name="points"/> (already checked by <see cref="TrainingSweep"/>),
    /// with <paramref name="frames"/> in frames.h5 when given, or returns the folder's manifest when it
    /// already holds the same combinations (re-running a sweep resumes it).
    /// </summary>
    /// <exception cref="SweepFolderException">The folder holds a different sweep.</exception>
    public static SweepManifest Create(string folder, IReadOnlyList<(IReadOnlyDictionary<string, object> Parameters, PipelineConfig Config)> points,
        IReadOnlyList<Frame>? frames, SweepStrategy strategy, int eta)
    {
        folder = Path.GetFullPath(folder);
        var combinations = points.Select((p, i) => new SweepCombination(i, p.Parameters, Path.Combine(folder, "runs", i.ToString("D3", CultureInfo.InvariantCulture)))).ToList();
        if (File.Exists(Path.Combine(folder, FileName)))
        {
            var existing = Load(folder);
            if (existing.Strategy != strategy || existing.SimulatesFrames != (frames is null) || !SameCombinations(existing.Combinations, combinations))
                throw new SweepFolderException(folder,
                    $"{folder} already holds a different sweep ({existing.Combinations.Count} combination(s), strategy {existing.Strategy}); " +
                    "give a new -Path, or re-run that sweep with its own -Parameter and -Strategy (or with -Path alone).");
            if (frames is not null) CheckSameFrames(existing, frames);
            return existing;
        }

        Directory.CreateDirectory(folder);
        foreach (var (combination, (_, config)) in combinations.Zip(points))
        {
            Directory.CreateDirectory(combination.Directory);
            AtomicFile.Write(combination.ConfigPath, path => File.WriteAllText(path, ConfigTemplate.Write(config)));
        }
        if (frames is not null)
        {
            using var writer = FrameStoreWriter.Create(Path.Combine(folder, StoreName));
            foreach (var frame in frames) writer.Add(frame);
            writer.Commit();
        }
        var manifest = new SweepManifest(folder, strategy, eta, combinations, frames is null);
        AtomicFile.Write(manifest.RunnerPath, path => File.WriteAllText(path, RunnerScript));
        // Written last: a folder with sweep.json is a complete sweep.
        AtomicFile.Write(Path.Combine(folder, FileName), path => File.WriteAllText(path, manifest.ToJson()));
        return manifest;
    }

    /// <summary>
    /// Frames piped into a re-run must be the ones frames.h5 holds, or the resumed runs would train
    /// on other data than they started with: the count and the shape are compared (cheap, and what
    /// a wrong file or a changed import usually changes).
    /// </summary>
    private static void CheckSameFrames(SweepManifest existing, IReadOnlyList<Frame> frames)
    {
        using var store = FrameStoreReader.Open(existing.StorePath);
        int[] stored = store.Manifest.FrameShape, piped = frames.Count > 0 ? frames[0].Shape : [];
        if (store.Count != frames.Count || !stored.SequenceEqual(piped))
            throw new SweepFolderException(existing.Folder,
                $"{existing.StorePath} holds {store.Count} frame(s) of [{string.Join("x", stored)}], but {frames.Count} frame(s) of " +
                $"[{string.Join("x", piped)}] were piped in: re-run this sweep with the frames it started with (or with -Path alone), or give a new -Path.");
    }

    /// <exception cref="SweepFolderException">No sweep.json, or one that cannot be read.</exception>
    public static SweepManifest Load(string folder)
    {
        folder = Path.GetFullPath(folder);
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
            throw new SweepFolderException(folder, $"{folder} is not a sweep folder: it holds no {FileName}. Give the -Path an earlier Invoke-TrainingSweep wrote.");
        try
        {
            var root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            var combinations = root["combinations"]!.AsArray().Select(c => new SweepCombination(
                c!["index"]!.GetValue<int>(),
                c["parameters"]!.AsObject().ToDictionary(p => p.Key, p => FromJson(p.Value!)),
                Path.Combine(folder, c["directory"]!.GetValue<string>()))).ToList();
            return new SweepManifest(folder, Enum.Parse<SweepStrategy>(root["strategy"]!.GetValue<string>()), root["eta"]!.GetValue<int>(),
                combinations, root["simulates_frames"]!.GetValue<bool>());
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException or ArgumentException or FormatException)
        {
            throw new SweepFolderException(folder, $"{path} cannot be read ({e.Message}); the folder is damaged: start the sweep again in a new folder.");
        }
    }

    private string ToJson()
    {
        var combinations = new JsonArray(Combinations.Select(c => (JsonNode)new JsonObject
        {
            ["index"] = c.Index,
            ["parameters"] = new JsonObject(c.Parameters.Select(p => KeyValuePair.Create(p.Key, ToJson(p.Value)))),
            ["directory"] = Path.GetRelativePath(Folder, c.Directory),
        }).ToArray());
        var root = new JsonObject
        {
            ["format"] = 1,
            ["strategy"] = Strategy.ToString(),
            ["eta"] = Eta,
            ["simulates_frames"] = SimulatesFrames,
            ["combinations"] = combinations,
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static bool SameCombinations(IReadOnlyList<SweepCombination> a, IReadOnlyList<SweepCombination> b) =>
        a.Count == b.Count && a.Zip(b).All(p => Describe(p.First.Parameters) == Describe(p.Second.Parameters));

    /// <summary>"model.filters=4, training.learning_rate=0.01": the values as a configuration file writes them.</summary>
    public static string Describe(IReadOnlyDictionary<string, object> parameters) =>
        string.Join(", ", parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={ConfigTemplate.Format(p.Value)}"));

    private static JsonNode? ToJson(object value) => value switch
    {
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        int or long or short or byte => JsonValue.Create(Convert.ToInt64(value, CultureInfo.InvariantCulture)),
        float or double or decimal => JsonValue.Create(Convert.ToDouble(value, CultureInfo.InvariantCulture)),
        Array array => new JsonArray(array.Cast<object>().Select(ToJson).ToArray()),
        _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
    };

    private static object FromJson(JsonNode node) => node switch
    {
        JsonArray array => array.Select(n => FromJson(n!)).ToArray(),
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        JsonValue value when value.GetValueKind() is JsonValueKind.True or JsonValueKind.False => value.GetValue<bool>(),
        // Whole numbers come back as the Int32 PowerShell gave (4, not 4.0), so descriptions match.
        JsonValue value when value.TryGetValue<int>(out int i) => i,
        JsonValue value when value.TryGetValue<long>(out long l) => l,
        JsonValue value => value.GetValue<double>(),
        _ => throw new FormatException($"unexpected JSON {node.ToJsonString()}"),
    };

    /// <summary>
    /// runner.ps1: what a Slurm array task or a remote host runs, in a fresh pwsh, to train one
    /// combination; -Module is the module the sweep was started with (all hosts see the same paths).
    /// </summary>
    private const string RunnerScript = """
        # Trains one combination of the sweep in this folder: pwsh -NoProfile -File runner.ps1 -Index N.
        # Written by Invoke-TrainingSweep; Slurm array tasks pass $SLURM_ARRAY_TASK_ID, the Ssh backend
        # passes the combination and the GPU(s) this process may see.
        param(
            [int] $Index = [int] $env:SLURM_ARRAY_TASK_ID,
            [string] $Module = 'DataPipeline',
            [string] $VisibleDevices
        )
        $ErrorActionPreference = 'Stop'
        $ProgressPreference = 'SilentlyContinue'
        # The task's log is a file: no colour escapes in it.
        $PSStyle.OutputRendering = 'PlainText'
        # Before libtorch loads: CUDA reads it once.
        if ($VisibleDevices) { $env:CUDA_VISIBLE_DEVICES = $VisibleDevices }
        Import-Module $Module
        $result = Invoke-TrainingSweep -Path $PSScriptRoot -Index $Index -Verbose
        "combination $Index on $([Environment]::MachineName): $($result.Status), $($result.Epochs) epoch(s), $($result.Monitor) $($result.BestValue)"
        if ($result.Status -ne 'Completed') { exit 1 }
        """;
}

/// <summary>A sweep folder that is missing, damaged or holds another sweep; Folder names it.</summary>
public sealed class SweepFolderException(string folder, string message) : IOException(message)
{
    public string Folder { get; } = folder;
}
