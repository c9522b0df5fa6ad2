namespace DataPipeline.Engine.Physics;

/// <summary>
/// The beamformed IQ point response of a linear array for one probe, on the pixel grid:
/// <code>h(Δz, Δx) = exp(−Δz² / 2σz²) · exp(i·4π·Δz/λ) · sinc²(Δx / (λ·F#))</code>
/// with Δz, Δx the pixel's offset from the scatterer (axial, lateral), σz the Gaussian whose FWHM is the
/// half pulse length N·λ/2, sinc(u) = sin(πu)/(πu). The complex exponential is the two-way phase that
/// IQ beamforming keeps (the echo's round trip of 2Δz at wavenumber 2π/λ); because it is kept, echoes
/// from scatterers closer than the resolution add as complex numbers and interfere (speckle).
///
/// Kernels are truncated so that each scatterer costs a fixed number of pixels whatever the frame holds:
/// axially at 3.5σz (−53 dB), laterally at the third null of sinc² (|u| = 3, where it is exactly 0, so
/// nothing jumps; the lobes beyond are below −41 dB).
/// </summary>
public sealed class UltrasoundPsf
{
    private const double AxialTruncationSigmas = 3.5;
    private const int LateralNulls = 3;

    public UltrasoundPsf(UltrasoundProbe probe)
    {
        ArgumentNullException.ThrowIfNull(probe);
        probe.Validate();
        Probe = probe;
        double fwhmPx = probe.AxialFwhmWavelengths / probe.AxialPixelWavelengths;
        AxialSigmaPx = fwhmPx / (2 * Math.Sqrt(2 * Math.Log(2)));
        LateralNullPx = probe.FNumber / probe.LateralPixelWavelengths;
        AxialHalfWidth = (int)Math.Ceiling(AxialTruncationSigmas * AxialSigmaPx);
        LateralHalfWidth = (int)Math.Ceiling(LateralNulls * LateralNullPx);
    }

    public UltrasoundProbe Probe { get; }

    /// <summary>σ of the axial Gaussian envelope, in pixels.</summary>
    public double AxialSigmaPx { get; }

    /// <summary>λ·F# in pixels: the distance to the first null of the lateral pattern.</summary>
    public double LateralNullPx { get; }

    /// <summary>Rows either side of a scatterer that its kernel reaches.</summary>
    public int AxialHalfWidth { get; }

    /// <summary>Columns either side of a scatterer that its kernel reaches.</summary>
    public int LateralHalfWidth { get; }

    /// <summary>Pixels one scatterer writes at most: the bounded cost per scatterer (complex multiply-adds).</summary>
    public int KernelPixels => (2 * AxialHalfWidth + 1) * (2 * LateralHalfWidth + 1);

    /// <summary>Axial factor of the response (complex) at an offset of <paramref name="dz"/> pixels.</summary>
    public (double Re, double Im) Axial(double dz)
    {
        if (Math.Abs(dz) > AxialTruncationSigmas * AxialSigmaPx) return (0, 0);
        double envelope = Math.Exp(-dz * dz / (2 * AxialSigmaPx * AxialSigmaPx));
        double phase = 4 * Math.PI * dz * Probe.AxialPixelWavelengths;
        return (envelope * Math.Cos(phase), envelope * Math.Sin(phase));
    }

    /// <summary>Lateral factor of the response (real, two-way sinc²) at an offset of <paramref name="dx"/> pixels.</summary>
    public double Lateral(double dx)
    {
        double u = dx / LateralNullPx;
        if (Math.Abs(u) >= LateralNulls) return 0;
        if (Math.Abs(u) < 1e-9) return 1;
        double s = Math.Sin(Math.PI * u) / (Math.PI * u);
        return s * s;
    }

    /// <summary>
    /// Adds one scatterer of complex reflectivity (<paramref name="re"/>, <paramref name="im"/>) at
    /// (<paramref name="row"/>, <paramref name="column"/>) into the IQ plane at <paramref name="offset"/>.
    /// The response is separable, so the cost is one axial and one lateral factor per row and column and
    /// one complex multiply-add per pixel of the truncated kernel.
    /// </summary>
    public void Add(double[] fieldRe, double[] fieldIm, int offset, int height, int width,
        double row, double column, double re, double im)
    {
        int r0 = Math.Max(0, (int)Math.Ceiling(row - AxialHalfWidth));
        int r1 = Math.Min(height - 1, (int)Math.Floor(row + AxialHalfWidth));
        int c0 = Math.Max(0, (int)Math.Ceiling(column - LateralHalfWidth));
        int c1 = Math.Min(width - 1, (int)Math.Floor(column + LateralHalfWidth));
        if (r0 > r1 || c0 > c1) return;
        // Kernels of fine grids or large F-numbers can span thousands of columns: those go to the heap.
        int columns = c1 - c0 + 1;
        Span<double> lateral = columns <= 1024 ? stackalloc double[columns] : new double[columns];
        for (int c = c0; c <= c1; c++) lateral[c - c0] = Lateral(c - column);
        for (int r = r0; r <= r1; r++)
        {
            var (ar, ai) = Axial(r - row);
            if (ar == 0 && ai == 0) continue;
            // (re + i·im)·(ar + i·ai), then times the real lateral factor per column.
            double pr = re * ar - im * ai, pi = re * ai + im * ar;
            int line = offset + r * width;
            for (int c = c0; c <= c1; c++)
            {
                double l = lateral[c - c0];
                fieldRe[line + c] += pr * l;
                fieldIm[line + c] += pi * l;
            }
        }
    }

    /// <summary>
    /// Σ|h|² over the kernel on the pixel grid (pixels²): the mean intensity one scatterer per pixel of
    /// random position adds, which sets the tissue reflectivity for a tissue-to-bubble ratio.
    /// </summary>
    public double Energy()
    {
        double axial = 0, lateral = 0;
        // Average over sub-pixel positions: a fine grid of offsets sums what random positions average to.
        const int sub = 16;
        for (int k = 0; k < sub; k++)
        {
            double f = (k + 0.5) / sub;
            for (int r = -AxialHalfWidth - 1; r <= AxialHalfWidth + 1; r++)
            {
                var (ar, ai) = Axial(r - f);
                axial += ar * ar + ai * ai;
            }
            for (int c = -LateralHalfWidth - 1; c <= LateralHalfWidth + 1; c++)
            {
                double l = Lateral(c - f);
                lateral += l * l;
            }
        }
        return axial / sub * (lateral / sub);
    }
}
