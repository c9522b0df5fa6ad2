namespace DataPipeline.Engine.Physics;

// Physics/ holds the ultrasound acquisition model (probe, point response, tissue, flow): a concern of its
// own, apart from Simulation/, which places scatterers and renders labels whatever the PSF is.

/// <summary>
/// The probe and imaging geometry that fix the point response: centre frequency, speed of sound, pulse
/// length in cycles, receive/transmit F-number, and the pixel pitch of the beamformed grid in wavelengths
/// (rows are axial = depth, columns lateral). Every length the physics uses is in wavelengths λ = c / f0,
/// PALA's unit, so that frames made at different frequencies with the same pitch in λ look alike.
/// </summary>
public sealed record UltrasoundProbe(
    double CenterFrequencyMHz, double SpeedOfSound, double PulseCycles, double FNumber,
    double AxialPixelWavelengths, double LateralPixelWavelengths)
{
    /// <summary>λ = c / f0 in metres.</summary>
    public double WavelengthMetres => SpeedOfSound / (CenterFrequencyMHz * 1e6);

    /// <summary>
    /// Theoretical axial FWHM of the envelope, in λ: half the spatial pulse length, N·λ/2 (the pulse-echo
    /// envelope lasts N cycles at FWHM and the echo travels twice the depth). Szabo, Diagnostic Ultrasound
    /// Imaging, 2nd ed., §7.3 (axial resolution = spatial pulse length / 2).
    /// </summary>
    public double AxialFwhmWavelengths => PulseCycles / 2;

    /// <summary>
    /// Theoretical lateral FWHM of the envelope at focus, in λ: the two-way Fraunhofer pattern of a uniform
    /// aperture is sinc²(x / (λ·F#)), which falls to one half at x = ±0.4430·λ·F#, so FWHM = 0.8859·λ·F#
    /// (Szabo §6.4–6.5 and §7.3; Jensen, Field II user's guide, the pulse-echo field as the product of
    /// transmit and receive fields).
    /// </summary>
    public double LateralFwhmWavelengths => 0.88589 * FNumber;

    /// <summary>−6 dB fractional bandwidth of the Gaussian pulse-echo spectrum: 4·ln2 / (π·N) (time-bandwidth product of a Gaussian).</summary>
    public double FractionalBandwidth => 4 * Math.Log(2) / (Math.PI * PulseCycles);

    public void Validate()
    {
        Check(CenterFrequencyMHz, "center_frequency_mhz");
        Check(SpeedOfSound, "speed_of_sound");
        Check(PulseCycles, "pulse_cycles");
        Check(FNumber, "f_number");
        Check(AxialPixelWavelengths, "axial_pixel_wavelengths");
        Check(LateralPixelWavelengths, "lateral_pixel_wavelengths");
    }

    private static void Check(double value, string key)
    {
        if (!(value > 0) || !double.IsFinite(value))
            throw new ArgumentException($"simulation.{key} must be a positive number; got {value}.");
    }
}
