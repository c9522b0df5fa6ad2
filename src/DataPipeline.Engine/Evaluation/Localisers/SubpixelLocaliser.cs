namespace DataPipeline.Engine.Evaluation.Localisers;

/// <summary>
/// Refines a local maximum of a data plane to a sub-pixel position from the square patch centred on
/// it. Near the plane's edge the patch shrinks to stay centred on the maximum (a patch clipped on
/// one side would pull the estimate away from the edge).
/// </summary>
public static class SubpixelLocaliser
{
    /// <param name="half">Patch half-side: the patch is (2·half + 1) pixels square away from edges.</param>
    public static PointPx Locate(LocalisationMethod method, ReadOnlySpan<float> plane, int height, int width, int row, int column, int half)
    {
        int rowHalf = Math.Min(half, Math.Min(row, height - 1 - row));
        int columnHalf = Math.Min(half, Math.Min(column, width - 1 - column));
        // Radial symmetry and the fit need a square patch of at least 3x3; on the outermost pixels
        // the centroid is what is left.
        int square = Math.Min(rowHalf, columnHalf);
        return method switch
        {
            LocalisationMethod.WeightedAverage => PeakDetector.Centroid(plane, height, width, row, column, half),
            LocalisationMethod.RadialSymmetry when square >= 1 => Shift(RadialSymmetry.Centre(Patch(plane, width, row, column, square), square), row, column),
            LocalisationMethod.GaussianFit when square >= 1 => Shift(GaussianFit.Centre(Patch(plane, width, row, column, square), square), row, column),
            LocalisationMethod.UNet => throw new ArgumentException("The U-Net is not a sub-pixel estimator on data frames.", nameof(method)),
            _ => PeakDetector.Centroid(plane, height, width, row, column, half),
        };
    }

    private static double[,] Patch(ReadOnlySpan<float> plane, int width, int row, int column, int half)
    {
        int side = 2 * half + 1;
        var patch = new double[side, side];
        for (int r = 0; r < side; r++)
            for (int c = 0; c < side; c++)
                patch[r, c] = plane[(row - half + r) * width + column - half + c];
        return patch;
    }

    // The estimators give offsets from the patch centre.
    private static PointPx Shift(PointPx offset, int row, int column) => new(row + offset.Row, column + offset.Column);
}
