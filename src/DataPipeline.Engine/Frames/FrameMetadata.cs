namespace DataPipeline.Engine.Frames;

/// <summary>
/// What is known of a frame without its values: where it sits in its source, which dataset and
/// index it came from, how many scatterers it holds and what simulated it. A store keeps these
/// apart from the frames' data (its index, source_id and positions datasets), so a query on them
/// (New-BatchGenerator -Filter) reads no data block, however large the store.
/// </summary>
/// <param name="Position">The frame's position in its source (0-based), as the source reads it.</param>
/// <param name="Source">The dataset the frame came from (Frame.Source: a MAT file, a simulation).</param>
/// <param name="Index">The frame's index within that dataset (Frame.Index).</param>
/// <param name="Scatterers">Distinct scatterers among its positions (Frame.ScattererCount); null when it has no positions.</param>
/// <param name="Generator">What simulated it (Frame.Origin.Generator); null for measured frames.</param>
/// <param name="Seed">The simulation's seed (Frame.Origin.Seed).</param>
public sealed record FrameMetadata(int Position, string Source, int Index, int? Scatterers, string? Generator, long? Seed)
{
    /// <summary>The metadata of an in-memory frame at <paramref name="position"/>.</summary>
    public static FrameMetadata Of(Frame frame, int position)
    {
        ArgumentNullException.ThrowIfNull(frame);
        return new FrameMetadata(position, frame.Source, frame.Index, frame.ScattererCount, frame.Origin?.Generator, frame.Origin?.Seed);
    }

    /// <summary>
    /// Every frame's metadata, in source order, reading only what each source keeps beside its
    /// frames' values (a store's metadata datasets, never its data blocks).
    /// </summary>
    public static IReadOnlyList<FrameMetadata> Of(IFrameSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        switch (source)
        {
            case FrameList list:
                return Enumerable.Range(0, list.Count).Select(i => Of(list.Read(i), i)).ToArray();
            case StreamedFrameStore store:
                return store.ReadMetadata();
            case CombinedFrameSource combined:
                var all = new List<FrameMetadata>(combined.Count);
                for (int part = 0; part < combined.Parts.Count; part++)
                {
                    int start = combined.StartOf(part);
                    all.AddRange(Of(combined.Parts[part]).Select(m => m with { Position = start + m.Position }));
                }
                return all;
            case FrameSubset subset:
                var inner = Of(subset.Inner);
                return subset.Positions.Select((p, i) => inner[p] with { Position = i }).ToArray();
            case SequenceWindowSource window:
                return Of(window.Inner);
            default:
                throw new NotSupportedException($"{source.GetType().Name} does not expose its frames' metadata.");
        }
    }
}
