namespace DataPipeline.Engine.Evaluation.Localisers;

/// <summary>
/// What Measure-Localization scores: the U-Net's predictions, or one of the classical localisers
/// PALA compares against, run on the raw data frames (local maxima above a threshold, then a
/// sub-pixel estimator on the patch around each).
/// </summary>
public enum LocalisationMethod
{
    /// <summary>Peaks of the frame's prediction.</summary>
    UNet,

    /// <summary>Intensity-weighted centroid of the patch, above its outer ring's largest value.</summary>
    WeightedAverage,

    /// <summary>The radial-symmetry centre of Parthasarathy (Nat. Methods 2012).</summary>
    RadialSymmetry,

    /// <summary>Least-squares fit of an isotropic 2-D Gaussian on a constant background (Levenberg-Marquardt).</summary>
    GaussianFit,
}
