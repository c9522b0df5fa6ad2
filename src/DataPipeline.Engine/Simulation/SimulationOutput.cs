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
