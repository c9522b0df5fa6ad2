namespace DataPipeline.Engine.Tracking;

/// <summary>
/// The sums behind the linking measures, so sequences pool by adding: links of consecutive track
/// points, tracks paired one-to-one, and the gated distances of Chenouard et al. (2014).
/// </summary>
public readonly record struct LinkingCounts(
    int TrueLinks, int EstimatedLinks, int RecoveredLinks, int CorrectLinks,
    int TrueTracks, int EstimatedTracks, int PairedTracks,
    double PairedDistance, double TrueDummyDistance, double SpuriousDummyDistance)
{
    public static LinkingCounts operator +(LinkingCounts a, LinkingCounts b) => new(
        a.TrueLinks + b.TrueLinks, a.EstimatedLinks + b.EstimatedLinks, a.RecoveredLinks + b.RecoveredLinks,
        a.CorrectLinks + b.CorrectLinks, a.TrueTracks + b.TrueTracks, a.EstimatedTracks + b.EstimatedTracks,
        a.PairedTracks + b.PairedTracks, a.PairedDistance + b.PairedDistance,
        a.TrueDummyDistance + b.TrueDummyDistance, a.SpuriousDummyDistance + b.SpuriousDummyDistance);
}
