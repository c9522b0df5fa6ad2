using DataPipeline.Engine.Configuration;

namespace DataPipeline.Engine.Simulation;

/// <summary>How the ultrasound simulator's bubbles move in sequences ([simulation] motion).</summary>
public enum ScattererMotion
{
    /// <summary>Each bubble in a straight line at a constant velocity drawn from velocity_px and angle_deg (as the Gaussian simulator).</summary>
    [ConfigName("linear")] Linear,

    /// <summary>Bubbles flow along a branching vessel network with a laminar (Poiseuille) profile, entering and leaving it.</summary>
    [ConfigName("vessels")] Vessels,
}
