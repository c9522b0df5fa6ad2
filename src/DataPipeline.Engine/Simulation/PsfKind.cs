using DataPipeline.Engine.Configuration;

namespace DataPipeline.Engine.Simulation;

/// <summary>The point-spread function that blurs each scatterer in the data ([simulation] psf).</summary>
public enum PsfKind
{
    /// <summary>An isotropic Gaussian of sigma psf_sigma_px, peaking at the scatterer.</summary>
    [ConfigName("gaussian")] Gaussian,

    /// <summary>
    /// The original's "GaussianMu": a Gaussian shell, exp(-(ρ - μ)² / 2σ²) at distance ρ from the
    /// scatterer, a ring of radius μ = psf_mu_px and width σ = psf_sigma_px (μ = 0 is the Gaussian).
    /// </summary>
    [ConfigName("gaussian_mu")] GaussianMu,

    /// <summary>
    /// The beamformed pulse-echo response of a linear array in IQ (Physics/UltrasoundPsf): a Gaussian pulse
    /// envelope axially, the two-way sinc² aperture pattern laterally, the two-way phase term, coherent summation.
    /// </summary>
    [ConfigName("ultrasound")] Ultrasound,
}
