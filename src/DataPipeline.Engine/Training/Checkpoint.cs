using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.IO;
using DataPipeline.Engine.Models;
using DataPipeline.Engine.Training.Optimizers;
using static TorchSharp.torch;

namespace DataPipeline.Engine.Training;

/// <summary>
/// Everything but the tensors that a resumed run needs: where the run was, its configuration
/// (as TOML, so it reads back through the same checks), its history, and the state of the
/// schedule and of early stopping.
/// </summary>
public sealed record CheckpointState
{
    public int FormatVersion { get; init; } = Checkpoint.FormatVersion;
    public required string RunId { get; init; }
    public required int Epoch { get; init; }
    public required string ConfigToml { get; init; }
    public required int SizeRatio { get; init; }
    public required int[] FrameShape { get; init; }
    public required int[] LabelShape { get; init; }
    public required IReadOnlyList<EpochRecord> History { get; init; }
    public required int BestEpoch { get; init; }
    public required double BestValue { get; init; }
    public required int EpochsWithoutImprovement { get; init; }
    public required ScheduleState Schedule { get; init; }
    public required long TrainableParameters { get; init; }
}

/// <summary>
/// One checkpoint file: a header with <see cref="CheckpointState"/> as JSON, the model's parameters
/// and buffers, the optimizer's state, and libtorch's CPU random state (dropout). Written to a
/// temporary file and renamed, so a killed run never leaves a torn checkpoint behind.
/// </summary>
public static class Checkpoint
{
    /// <summary>2: the optimizer's state is DataPipeline's own (<see cref="Optimizer.Save"/>); 1 held TorchSharp's.</summary>
    public const int FormatVersion = 2;

    /// <summary>Format 1's header and weights read as format 2's, so its weights still load.</summary>
    private const int FirstFormat = 1;
    private static readonly byte[] Magic = "DPCKPT01"u8.ToArray();

    internal static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = false,
    };

    public static void Save(string path, CheckpointState state, UNet model, Optimizer optimizer) =>
        AtomicFile.WriteStream(path, stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            byte[] header = JsonSerializer.SerializeToUtf8Bytes(state, Json);
            writer.Write(header.Length);
            writer.Write(header);
            model.save(writer);
            optimizer.Save(writer);
            byte[] rng = RunRandom.ReadState();
            writer.Write(rng.Length);
            writer.Write(rng);
        });

    /// <summary>Reads only the header: cheap, and enough to rebuild the model's configuration.</summary>
    public static CheckpointState ReadState(string path)
    {
        using var reader = Open(path);
        return ReadHeader(reader, path);
    }

    /// <summary>Loads the model's weights (not the optimizer) from <paramref name="path"/>.</summary>
    public static CheckpointState LoadModel(string path, UNet model)
    {
        using var reader = Open(path);
        var state = ReadHeader(reader, path);
        model.load(reader);
        return state;
    }

    /// <summary>Loads weights, optimizer state and the random generator, to continue the run exactly.</summary>
    public static CheckpointState LoadForResume(string path, UNet model, Optimizer optimizer)
    {
        using var reader = Open(path);
        var state = ReadHeader(reader, path);
        if (state.FormatVersion == FirstFormat)
            throw new InvalidDataException(
                $"{path} is checkpoint format 1, whose optimizer state is TorchSharp's, and cannot be resumed by this version (format {FormatVersion}). " +
                $"Its weights still load: start a new run from them with -InitialWeights {path}.");
        model.load(reader);
        optimizer.Load(reader, path);
        int length = reader.ReadInt32();
        byte[] rng = reader.ReadBytes(length);
        if (rng.Length != length) throw new InvalidDataException($"{path}: the checkpoint ends inside its random-generator state.");
        RunRandom.WriteState(rng);
        return state;
    }

    /// <summary>The configuration the checkpointed run used.</summary>
    public static PipelineConfig ConfigOf(CheckpointState state, string path) =>
        ConfigLoader.Parse(state.ConfigToml, $"{path} (embedded configuration)");

    private static BinaryReader Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"No checkpoint at {path}.", path);
        return new BinaryReader(File.OpenRead(path), Encoding.UTF8, leaveOpen: false);
    }

    private static CheckpointState ReadHeader(BinaryReader reader, string path)
    {
        byte[] magic = reader.ReadBytes(Magic.Length);
        if (!magic.AsSpan().SequenceEqual(Magic))
            throw new InvalidDataException($"{path} is not a DataPipeline checkpoint (it does not start with DPCKPT01).");
        int length = reader.ReadInt32();
        if (length <= 0 || length > reader.BaseStream.Length - reader.BaseStream.Position)
            throw new InvalidDataException($"{path}: the checkpoint header claims {length} bytes, more than the file holds.");
        var state = JsonSerializer.Deserialize<CheckpointState>(reader.ReadBytes(length), Json)
            ?? throw new InvalidDataException($"{path}: empty checkpoint header.");
        if (state.FormatVersion is not (FormatVersion or FirstFormat))
            throw new InvalidDataException($"{path} is checkpoint format {state.FormatVersion}; this version reads formats {FirstFormat} and {FormatVersion}.");
        return state;
    }
}
