namespace DataPipeline.Engine.Evaluation;

/// <summary>
/// The localisation counts and metrics of one scope (a time step, a frame, a sweep threshold, a
/// whole split) as flat properties, so PowerShell shows and sorts them without digging.
/// </summary>
public abstract class LocalisationScore(LocalisationCounts counts)
{
    public LocalisationCounts Counts { get; } = counts;
    public int TruePositives => Counts.TruePositives;
    public int FalsePositives => Counts.FalsePositives;
    public int FalseNegatives => Counts.FalseNegatives;
    public double Precision => Counts.Precision;
    public double Recall => Counts.Recall;
    public double F1 => Counts.F1;
    public double Jaccard => Counts.Jaccard;
    public double RmsePx => Counts.RmsePx;

    /// <summary>
    /// <see cref="RmsePx"/> in wavelengths (PALA's unit) for data pixels <paramref name="pixelPitchWavelengths"/>
    /// wavelengths wide. Distances are matched in pixels as if square, so the pitch is one number: with
    /// anisotropic pixels ([simulation] axial/lateral pitch differing) the RMSE has no single λ value.
    /// </summary>
    public double RmseIn(double pixelPitchWavelengths) =>
        pixelPitchWavelengths > 0 && double.IsFinite(pixelPitchWavelengths)
            ? RmsePx * pixelPitchWavelengths
            : throw new ArgumentOutOfRangeException(nameof(pixelPitchWavelengths), pixelPitchWavelengths,
                "The pixel pitch must be a positive, finite number of wavelengths (e.g. [simulation] axial_pixel_wavelengths when both axes share it).");
}
