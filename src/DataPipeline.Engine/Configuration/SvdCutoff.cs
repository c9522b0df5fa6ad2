namespace DataPipeline.Engine.Configuration;

/// <summary>
/// svd_cutoff: which singular components the SVD clutter filter keeps. Either a fixed range [lo, hi]
/// (1-based, [0, 0] = no filter), written in TOML as [lo, hi], or "auto": the filter removes the leading
/// components that stand far above the floor of the singular values (see Clutter/SvdClutterFilter) and
/// keeps the rest, chosen per sequence.
/// </summary>
public readonly record struct SvdCutoff(int Low, int High, bool IsAuto = false)
{
    public static SvdCutoff Off => new(0, 0);

    public static SvdCutoff Auto => new(0, 0, IsAuto: true);

    public bool IsOn => IsAuto || High > 0;

    public override string ToString() => IsAuto ? "\"auto\"" : $"[{Low}, {High}]";
}
