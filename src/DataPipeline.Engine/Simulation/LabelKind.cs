using DataPipeline.Engine.Configuration;

namespace DataPipeline.Engine.Simulation;

/// <summary>What the simulator draws as a frame's label ([simulation] label).</summary>
public enum LabelKind
{
    /// <summary>A confidence map per time step: every scatterer a Gaussian at its position ([T,] H·r, W·r).</summary>
    [ConfigName("positions")] Positions,

    /// <summary>One 2-D image per sequence, [H·r, W·r]: every scatterer's straight-line path over the steps (<see cref="TrackLabel"/>).</summary>
    [ConfigName("tracks")] Tracks,
}
