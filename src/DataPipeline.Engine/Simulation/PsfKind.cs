using DataPipeline.Engine.Configuration;

namespace DataPipeline.Engine.Simulation;

/// <summary>Which point-spread function renders the simulated data ([simulation] psf).</summary>
public enum PsfKind
{
    /// <summary>An isotropic real Gaussian of psf_sigma_px, blobs combined by max or sum (the original simulator).</summary>
    [ConfigName("gaussian")] Gaussian,

    /// <summary>
    /// The beamformed pulse-echo response of a linear array in IQ (Physics/UltrasoundPsf): a Gaussian pulse
    /// envelope axially, the two-way sinc² aperture pattern laterally, the two-way phase term, coherent summation.
    /// </summary>
    [ConfigName("ultrasound")] Ultrasound,
}
