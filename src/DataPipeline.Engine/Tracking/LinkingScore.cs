namespace DataPipeline.Engine.Tracking;

/// <summary>
/// The linking measures of the particle-tracking challenge (Chenouard et al., Nat. Methods 2014)
/// over one or more sequences. A ratio with nothing to count is NaN.
/// </summary>
public class LinkingScore(LinkingCounts counts)
{
    public LinkingCounts Counts { get; } = counts;

    public int TrueLinks => Counts.TrueLinks;
    public int EstimatedLinks => Counts.EstimatedLinks;
    public int TrueTracks => Counts.TrueTracks;
    public int EstimatedTracks => Counts.EstimatedTracks;
    public int PairedTracks => Counts.PairedTracks;

    /// <summary>True tracks left without an estimated partner (false negatives).</summary>
    public int MissedTracks => Counts.TrueTracks - Counts.PairedTracks;

    /// <summary>Estimated tracks paired with no true track (false positives).</summary>
    public int SpuriousTracks => Counts.EstimatedTracks - Counts.PairedTracks;

    /// <summary>Fraction of true links (consecutive points of a true track) whose two points were detected and put in one estimated track.</summary>
    public double TrueLinkFraction => Ratio(Counts.RecoveredLinks, Counts.TrueLinks);

    /// <summary>Fraction of estimated links whose two points do not both match points of one true track.</summary>
    public double FalseLinkFraction => Ratio(Counts.EstimatedLinks - Counts.CorrectLinks, Counts.EstimatedLinks);

    /// <summary>Track-level Jaccard: paired / (paired + missed + spurious).</summary>
    public double TrackJaccard => Ratio(Counts.PairedTracks, Counts.TrueTracks + Counts.EstimatedTracks - Counts.PairedTracks);

    /// <summary>α: 1 − d(truth, estimate) / d(truth, nothing); 1 for a perfect estimate, 0 for none.</summary>
    public double Alpha => Counts.TrueDummyDistance > 0 ? 1 - Counts.PairedDistance / Counts.TrueDummyDistance : double.NaN;

    /// <summary>β: α penalised by the spurious tracks, (d(truth, nothing) − d(truth, estimate)) / (d(truth, nothing) + d(spurious, nothing)).</summary>
    public double Beta => Counts.TrueDummyDistance > 0
        ? (Counts.TrueDummyDistance - Counts.PairedDistance) / (Counts.TrueDummyDistance + Counts.SpuriousDummyDistance)
        : double.NaN;

    private static double Ratio(double a, double b) => b > 0 ? a / b : double.NaN;
}

/// <summary>The linking measures of one sequence (one frame's time steps).</summary>
public sealed class SequenceLinking(string source, int index, LinkingCounts counts) : LinkingScore(counts)
{
    public string Source { get; } = source;
    public int Index { get; } = index;
}

/// <summary>The linking measures pooled over every sequence scored, with each sequence's own. Not enumerable, so PowerShell keeps it whole.</summary>
public sealed class TrackingResult(double tolerancePx, IReadOnlyList<SequenceLinking> sequences)
    : LinkingScore(sequences.Aggregate(default(LinkingCounts), (sum, s) => sum + s.Counts))
{
    /// <summary>Largest distance at which an estimated point stands for a true one (the gate ε of the track distance).</summary>
    public double TolerancePx { get; } = tolerancePx;

    public int SequenceCount => Sequences.Count;

    public IReadOnlyList<SequenceLinking> Sequences { get; } = sequences;
}
