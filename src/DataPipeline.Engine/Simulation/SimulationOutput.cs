using DataPipeline.Engine.Configuration;

namespace DataPipeline.Engine.Simulation;

/// <summary>What the data of an ultrasound-PSF frame hold ([simulation] output).</summary>
public enum SimulationOutput
{
    /// <summary>|IQ|: the envelope, one channel.</summary>
    [ConfigName("envelope")] Envelope,

    /// <summary>The beamformed IQ signal as two channels, real then imaginary (Frame.Channels = 2).</summary>
    [ConfigName("iq")] Iq,

    /// <summary>20·log10(|IQ| / max|IQ|) in dB, clipped at -dynamic_range_db: values in [-dynamic_range_db, 0].</summary>
    [ConfigName("bmode_db")] BmodeDb,
}

/// <summary>How the particles of the ultrasound simulator's bubbles move in sequences ([simulation] motion).</summary>
public enum ScattererMotion
{
    /// <summary>Each bubble in a straight line at a constant velocity drawn from velocity_px and angle_deg (as the Gaussian simulator).</summary>
    [ConfigName("linear")] Linear,

    /// <summary>Bubbles flow along a branching vessel network with a laminar (Poiseuille) profile, entering and leaving it.</summary>
    [ConfigName("vessels")] Vessels,
}
