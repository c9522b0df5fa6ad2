namespace DataPipeline.Engine.Tracking;

/// <summary>How localisations are linked into tracks (see <see cref="TrackLinker"/>).</summary>
public sealed record TrackingSettings
{
    /// <summary>Largest distance, in data pixels, a scatterer may move between consecutive steps.</summary>
    public double MaxLinkingDistancePx { get; init; } = 2.0;

    /// <summary>Most consecutive steps a track may miss and still be continued (0: no gap closing).</summary>
    public int MaxGapSteps { get; init; } = 1;

    /// <summary>Fewest points a track must have to be kept.</summary>
    public int MinLength { get; init; } = 2;

    /// <exception cref="ArgumentException">A value out of its range, named with what is allowed.</exception>
    public void Validate()
    {
        if (!(MaxLinkingDistancePx > 0) || double.IsInfinity(MaxLinkingDistancePx))
            throw new ArgumentException($"The maximum linking distance must be a finite number of pixels above 0; got {MaxLinkingDistancePx}.", nameof(MaxLinkingDistancePx));
        if (MaxGapSteps < 0)
            throw new ArgumentException($"The maximum gap must be 0 or more steps; got {MaxGapSteps}.", nameof(MaxGapSteps));
        if (MinLength < 1)
            throw new ArgumentException($"The minimum track length must be 1 or more points; got {MinLength}.", nameof(MinLength));
    }
}
