using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Physics;
using DataPipeline.Engine.Runtime;

namespace DataPipeline.Engine.Simulation;

/// <summary>
/// Synthetic ultrasound frames: point scatterers at sub-pixel positions, blurred by a Gaussian PSF,
/// with additive noise on the data; the label is the same scatterers rendered SizeRatio times
/// finer with a narrower Gaussian and no noise. Sequences ([T, H, W]) move each scatterer in a
/// straight line at constant velocity, with positions kept in floating point.
///
/// Frame i of a run depends only on (seed, i): every frame draws from its own random stream, so
/// the output is the same whatever Count, the start index or the number of threads.
/// Noise is given either as a standard deviation or as a true SNR in dB against the frame's own
/// clean signal (the original read a "NoiseDB" that was really a std).
/// With label = tracks the label is instead one [H·r, W·r] image of every scatterer's path over the
/// sequence (<see cref="TrackLabel"/>), drawn from every step, including those outside the field of
/// view, so a path that leaves the frame runs to the border.
/// </summary>
public sealed class ScattererSimulator
{
    private readonly SimulationSettings _settings;
    private readonly FrameOrigin _origin;
    private readonly UltrasoundSimulator? _ultrasound;

    public ScattererSimulator(SimulationSettings settings)
    {
        Validate(settings);
        _settings = settings;
        // Recorded on every frame (one shared object), so a store can say how its frames were made.
        _origin = new FrameOrigin(nameof(ScattererSimulator), settings.Seed, ConfigTemplate.WriteSection(settings));
        if (settings.Psf == PsfKind.Ultrasound)
            _ultrasound = new UltrasoundSimulator(settings, SourceName, _origin, message => Notice?.Invoke(message));
    }

    /// <summary>
    /// Told what the SVD clutter filter kept in each sequence (svd_cutoff = "auto" chooses per sequence);
    /// called on the rendering thread, which is a worker thread under <see cref="Generate"/>.
    /// </summary>
    public Action<string>? Notice { get; set; }

    private static void Validate(SimulationSettings s)
    {
        if (s.Scatterers.Low < 0 || s.Scatterers.Low > s.Scatterers.High)
            throw new ArgumentException($"Scatterers must be a range [lo, hi] with 0 <= lo <= hi; got {s.Scatterers}.");
        if (s.EvalScatterers is { } eval && (eval.Low < 0 || eval.Low > eval.High))
            throw new ArgumentException($"Evaluation scatterers must be a range [lo, hi] with 0 <= lo <= hi; got {eval}.");
        if (s.PsfMuPx < 0) throw new ArgumentException($"The ring radius psf_mu_px must be 0 or more; got {s.PsfMuPx}.");
        if (s.Size < 4) throw new ArgumentException($"Size must be at least 4 pixels; got {s.Size}.");
        if (s.SizeRatio < 1) throw new ArgumentException($"SizeRatio must be at least 1; got {s.SizeRatio}.");
        if (s.Frames < 1) throw new ArgumentException($"Frames must be at least 1; got {s.Frames}.");
        if (s.PsfSigmaPx <= 0) throw new ArgumentException($"The PSF sigma must be positive; got {s.PsfSigmaPx}.");
        if (s.Amplitude.Low < 0 || s.Amplitude.Low > s.Amplitude.High)
            throw new ArgumentException($"Amplitude must be a range [lo, hi] with 0 <= lo <= hi; got {s.Amplitude}.");
        if (!(s.TrackSigmaPx >= 0) || double.IsInfinity(s.TrackSigmaPx))
            throw new ArgumentException($"The track sigma must be a finite number of pixels, 0 or more; got {s.TrackSigmaPx}.");
        if (s.SnrDb is double snr && !double.IsFinite(snr))
            throw new ArgumentException($"The SNR must be a finite number of dB; got {snr}.");
        if (s.Psf != PsfKind.Ultrasound)
        {
            // Keys that only the ultrasound simulator reads: silently ignoring them would hide a forgotten psf line.
            string? orphan = s.Output != SimulationOutput.Envelope ? "output"
                : s.TissueScatterers > 0 ? "tissue_scatterers"
                : s.Motion != ScattererMotion.Linear ? "motion"
                : s.SvdCutoff.IsOn ? "svd_cutoff" : null;
            if (orphan is not null)
                throw new ArgumentException($"simulation.{orphan} needs psf = \"ultrasound\"; the Gaussian PSF ignores it.");
        }
        if (!s.SvdCutoff.IsAuto && s.SvdCutoff.High > 0 && (s.SvdCutoff.Low < 1 || s.SvdCutoff.Low > s.Frames))
            throw new ArgumentException(
                $"simulation.svd_cutoff = {s.SvdCutoff} keeps components lo..hi of {s.Frames} time steps: lo must be in [1, {s.Frames}] (or [0, 0] for no filter, or \"auto\").");
        long labelValues = (long)s.Frames * s.Size * s.SizeRatio * s.Size * s.SizeRatio;
        if (labelValues > Array.MaxLength)
            throw new ArgumentException(
                $"A {s.Frames}x{s.Size * s.SizeRatio}x{s.Size * s.SizeRatio} label is too large for one frame (at most {Array.MaxLength} values); " +
                "lower simulation.size, simulation.frames or simulation.size_ratio.");
    }

    public string SourceName => $"synthetic(seed={_settings.Seed})";

    /// <summary>
    /// The simulator of the evaluation set of <paramref name="settings"/> (the original's
    /// NumScatterEval): scatterer counts from eval_scatterers (scatterers when unset) and its own
    /// random stream, seed <see cref="EvaluationSeed"/>, so evaluation frames never repeat training
    /// frames. Its frames record those settings as their origin, so they re-render exactly.
    /// </summary>
    public static ScattererSimulator ForEvaluation(SimulationSettings settings)
    {
        var copy = ConfigLoader.Parse(ConfigTemplate.WriteSection(settings), "evaluation settings").Simulation;
        copy.Scatterers = settings.EvalScatterers ?? settings.Scatterers;
        copy.EvalScatterers = null;
        copy.Seed = EvaluationSeed(settings.Seed);
        return new ScattererSimulator(copy);
    }

    /// <summary>The seed of the evaluation set of a run seeded <paramref name="seed"/>: a fixed, well-mixed function of it.</summary>
    public static long EvaluationSeed(long seed) => (long)(new SeededRandom(seed, stream: -1).NextUInt64() >> 1);

    /// <summary>
    /// Frames start .. start+count-1, in order, generated in parallel chunks on at most
    /// <paramref name="threads"/> threads (0: one per core). Only one chunk is held at a time.
    /// </summary>
    public IEnumerable<Frame> Generate(int start, int count, int threads = 0, CancellationToken cancellation = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        int workers = threads > 0 ? threads : Environment.ProcessorCount;
        int chunk = Math.Max(1, workers * 4);
        var buffer = new Frame[chunk];
        var options = new ParallelOptions { CancellationToken = cancellation, MaxDegreeOfParallelism = workers };
        for (int first = start; first < start + count; first += chunk)
        {
            int n = Math.Min(chunk, start + count - first);
            Parallel.For(0, n, options, i => buffer[i] = Render(first + i));
            for (int i = 0; i < n; i++)
                yield return buffer[i];
        }
    }

    /// <summary>Frame <paramref name="index"/> of this seed.</summary>
    public Frame Render(int index) => Render(index, null);

    /// <summary>
    /// Frame <paramref name="index"/> of this seed with the scatterers numbered in
    /// <paramref name="outOfPlane"/> left out of the data at every step (they moved out of the
    /// imaging plane), but kept in the label and in the positions (InData false). Every random draw
    /// is made as for the full frame, so the other scatterers and the noise are unchanged.
    /// </summary>
    public Frame Render(int index, IReadOnlySet<int>? outOfPlane)
    {
        if (_ultrasound is not null) return _ultrasound.Render(index, outOfPlane);
        var s = _settings;
        var random = new SeededRandom(s.Seed, index);
        int t = s.Frames, size = s.Size, r = s.SizeRatio, labelSize = size * r;
        var data = new float[t * size * size];
        bool tracks = s.Label == LabelKind.Tracks;
        var label = new float[(tracks ? 1 : t) * labelSize * labelSize];
        var positions = new List<ScattererPosition>();
        var path = tracks ? new List<(double Row, double Column)>(t) : null;

        int scatterers = random.NextInt(s.Scatterers.Low, s.Scatterers.High);
        double labelSigma = s.EffectiveLabelSigmaPx * r;
        for (int k = 0; k < scatterers; k++)
        {
            double row = random.NextDouble(0, size - 1);
            double column = random.NextDouble(0, size - 1);
            double speed = random.NextDouble(s.VelocityPx.Low, s.VelocityPx.High);
            double angle = random.NextDouble(s.AngleDeg.Low, s.AngleDeg.High) * Math.PI / 180;
            double amplitude = random.NextDouble(s.Amplitude.Low, s.Amplitude.High);
            double dRow = t > 1 ? speed * Math.Cos(angle) : 0;
            double dColumn = t > 1 ? speed * Math.Sin(angle) : 0;

            path?.Clear();
            for (int step = 0; step < t; step++)
            {
                double pr = row + step * dRow, pc = column + step * dColumn;
                bool inData = random.NextDouble() >= s.RemovalProbability && outOfPlane?.Contains(k) != true;
                bool inFrame = pr >= -0.5 && pr < size - 0.5 && pc >= -0.5 && pc < size - 0.5;
                if (inFrame)
                    positions.Add(new ScattererPosition(step, k, pr, pc, inData));
                // Scatterers just outside the field of view still blur into it, as on a scanner.
                if (inData)
                    DrawDataPsf(data, step * size * size, size, pr, pc, amplitude);
                // The label is a confidence map: every scatterer peaks at 1 whatever its echo strength.
                if (path is not null)
                    path.Add(((pr + 0.5) * r - 0.5, (pc + 0.5) * r - 0.5));
                else
                    GaussianSplat.Draw(label, step * labelSize * labelSize, labelSize, labelSize,
                        (pr + 0.5) * r - 0.5, (pc + 0.5) * r - 0.5, labelSigma, 1.0, s.Combine);
            }
            if (path is not null) TrackLabel.DrawPath(label, labelSize, labelSize, path, s.TrackSigmaPx * r);
        }

        double noiseStd = s.SnrDb is double snrDb ? Rms(data) * Math.Pow(10, -snrDb / 20) : s.NoiseStd;
        if (noiseStd > 0)
        {
            for (int i = 0; i < data.Length; i++)
                data[i] += (float)(noiseStd * random.NextGaussian());
        }

        int[] shape = t > 1 ? [t, size, size] : [size, size];
        int[] labelShape = t > 1 && !tracks ? [t, labelSize, labelSize] : [labelSize, labelSize];
        return new Frame(data, shape, label, labelShape, SourceName, index, positions, _origin);
    }

    private void DrawDataPsf(float[] data, int offset, int size, double row, double column, double amplitude)
    {
        var s = _settings;
        if (s.Psf == PsfKind.GaussianMu)
            RingSplat.Draw(data, offset, size, size, row, column, s.PsfMuPx, s.PsfSigmaPx, amplitude, s.Combine);
        else
            GaussianSplat.Draw(data, offset, size, size, row, column, s.PsfSigmaPx, amplitude, s.Combine);
    }

    private static double Rms(float[] values)
    {
        double sum = 0;
        foreach (float v in values) sum += (double)v * v;
        return Math.Sqrt(sum / values.Length);
    }
}
