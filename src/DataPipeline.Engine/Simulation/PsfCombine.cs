using DataPipeline.Engine.Configuration;

namespace DataPipeline.Engine.Simulation;

/// <summary>How the blobs of overlapping scatterers combine in one image.</summary>
public enum PsfCombine
{
    /// <summary>Element-wise maximum: each peak keeps its height (the original simulator's choice).</summary>
    [ConfigName("max")] Max,

    /// <summary>Sum: overlapping blobs add up, as incoherent intensities do.</summary>
    [ConfigName("sum")] Sum,
}
