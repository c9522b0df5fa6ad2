using DataPipeline.Engine.Configuration;

namespace DataPipeline.Engine.Evaluation;

/// <summary>How a detected peak pixel is turned into a position.</summary>
public enum RefineMode
{
    /// <summary>The peak pixel's centre: positions on the map's grid.</summary>
    [ConfigName("none")] None,

    /// <summary>The intensity-weighted centroid of the peak's window, for sub-pixel positions.</summary>
    [ConfigName("centroid")] Centroid,
}
