namespace DataPipeline.Engine.Evaluation;

/// <summary>Where the true positions of a frame come from.</summary>
public enum TruthSource
{
    /// <summary>The frame's known scatterer positions (simulated frames).</summary>
    Positions,

    /// <summary>
    /// Peaks of the label map, found like the detections (threshold, window, refinement), for
    /// frames whose label was made from positions that were not kept (imported MAT files).
    /// </summary>
    Label,
}
