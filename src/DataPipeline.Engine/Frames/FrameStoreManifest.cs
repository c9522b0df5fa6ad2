using System.Text.Json;
using System.Text.Json.Serialization;

namespace DataPipeline.Engine.Frames;

/// <summary>
/// The description a frame store carries in its <c>manifest</c> dataset (JSON, snake_case keys):
/// what is in the store, how to read it, what made the frames and a hash of their content.
/// docs/frame-store.md documents every key for Python users.
/// </summary>
public sealed record FrameStoreManifest
{
    public const string FormatName = "datapipeline-frame-store";
    public const int CurrentVersion = 1;

    /// <summary>Column order of the <c>positions</c> dataset.</summary>
    public static readonly IReadOnlyList<string> PositionColumnNames = ["time_step", "scatterer", "row", "column", "in_data"];

    public string Format { get; init; } = FormatName;
    public int Version { get; init; } = CurrentVersion;
    public int Count { get; init; }

    /// <summary>Shape of one frame's data: [H, W] or [T, H, W].</summary>
    public int[] FrameShape { get; init; } = [];

    /// <summary>
    /// Data channels per frame (2 for IQ: real, imaginary). Only stores with more than one channel
    /// give <c>data</c> a channel axis ([N, C, ..frame_shape]), so one-channel stores keep their layout;
    /// stores written before the key existed read as 1.
    /// </summary>
    public int Channels { get; init; } = 1;

    /// <summary>Shape of one frame's label, or null for a store without labels.</summary>
    public int[]? LabelShape { get; init; }

    public string Dtype { get; init; } = "float32";

    /// <summary>Frames per chunk of <c>data</c> and <c>labels</c>; read in these blocks for speed.</summary>
    public int ChunkFrames { get; init; }

    public long PositionRows { get; init; }
    public IReadOnlyList<string> PositionColumns { get; init; } = PositionColumnNames;

    /// <summary>The sources, in <c>source_id</c> order, with what made their frames.</summary>
    public IReadOnlyList<FrameStoreSource> Sources { get; init; } = [];

    /// <summary>"sha256:" and the hex digest described in docs/frame-store.md.</summary>
    public string ContentHash { get; init; } = "";

    public DateTime CreatedUtc { get; init; }
    public string Writer { get; init; } = "";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static FrameStoreManifest FromJson(string json) =>
        JsonSerializer.Deserialize<FrameStoreManifest>(json, Json) ?? throw new JsonException("The manifest is empty.");
}

/// <summary>One source of frames in a store: its name and, when known, what made its frames.</summary>
public sealed record FrameStoreSource(string Name, string? Generator, long? Seed, string? Configuration)
{
    public FrameOrigin? ToOrigin() => Generator is null ? null : new FrameOrigin(Generator, Seed, Configuration);
}

/// <summary>A frame store that cannot be read or written: not a store, damaged, or frames that do not fit it.</summary>
public sealed class FrameStoreException(string message, string path, Exception? inner = null)
    : Exception($"{path}: {message}", inner)
{
    public string Path { get; } = path;
}
