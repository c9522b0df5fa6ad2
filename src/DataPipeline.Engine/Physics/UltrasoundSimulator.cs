using DataPipeline.Engine.Clutter;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Runtime;
using DataPipeline.Engine.Simulation;

namespace DataPipeline.Engine.Physics;

/// <summary>
/// Frames for [simulation] psf = "ultrasound": bubbles (the labelled scatterers) and tissue scatterers summed
/// coherently in IQ through <see cref="UltrasoundPsf"/>, complex thermal noise, an optional SVD clutter filter,
/// then the configured output (envelope, IQ as two channels, or B-mode dB). Labels are the Gaussian confidence
/// maps of the bubbles' true positions, as for the Gaussian PSF; tissue is never labelled.
///
/// Frame i depends only on (seed, i), and the random draws are made in the same order whatever is left out
/// of the data (removal_probability, out-of-plane re-rendering), as <see cref="ScattererSimulator"/> promises.
/// </summary>
public sealed class UltrasoundSimulator
{
    private readonly SimulationSettings _settings;
    private readonly string _source;
    private readonly FrameOrigin _origin;
    private readonly Action<string>? _notice;

    public UltrasoundSimulator(SimulationSettings settings, string source, FrameOrigin origin, Action<string>? notice = null)
    {
        _notice = notice;
        _settings = settings;
        _source = source;
        _origin = origin;
        Psf = new UltrasoundPsf(ProbeOf(settings));
        if (settings.SvdCutoff.IsOn && settings.Frames < 2)
            throw new ArgumentException("simulation.svd_cutoff filters sequences; set simulation.frames to 2 or more, or svd_cutoff = [0, 0].");
    }

    public static UltrasoundProbe ProbeOf(SimulationSettings s) => new(
        s.CenterFrequencyMHz, s.SpeedOfSound, s.PulseCycles, s.FNumber, s.PixelPitch.Axial, s.PixelPitch.Lateral);

    public UltrasoundPsf Psf { get; }

    /// <summary>Channels of the frames this simulator makes: 2 for IQ, 1 otherwise.</summary>
    public int Channels => _settings.Output == SimulationOutput.Iq ? 2 : 1;

    public Frame Render(int index, IReadOnlySet<int>? outOfPlane)
    {
        var s = _settings;
        var random = new SeededRandom(s.Seed, index);
        int t = s.Frames, size = s.Size, r = s.SizeRatio, labelSize = size * r, plane = size * size;
        var re = new double[t * plane];
        var im = new double[t * plane];
        // label = "tracks": one image of every bubble's path for the whole sequence, as the Gaussian simulator draws it.
        bool tracks = s.Label == LabelKind.Tracks;
        var label = new float[(tracks ? 1 : t) * labelSize * labelSize];
        var positions = new List<ScattererPosition>();
        var path = tracks ? new List<(double Row, double Column)>(t) : null;

        var bubbles = Bubbles(random, t);
        double labelSigma = s.EffectiveLabelSigmaPx * r;
        for (int k = 0; k < bubbles.Count; k++)
        {
            var (trajectory, amplitude) = bubbles[k];
            path?.Clear();
            for (int step = 0; step < t; step++)
            {
                // One draw per bubble and step whether or not it exists then, so the stream never shifts.
                bool inData = random.NextDouble() >= s.RemovalProbability && outOfPlane?.Contains(k) != true;
                if (trajectory[step] is not var (pr, pc)) continue;
                if (pr >= -0.5 && pr < size - 0.5 && pc >= -0.5 && pc < size - 0.5)
                    positions.Add(new ScattererPosition(step, k, pr, pc, inData));
                if (inData)
                    Psf.Add(re, im, step * plane, size, size, pr, pc, amplitude, 0);
                if (path is not null)
                    path.Add(((pr + 0.5) * r - 0.5, (pc + 0.5) * r - 0.5));
                else
                    GaussianSplat.Draw(label, step * labelSize * labelSize, labelSize, labelSize,
                        (pr + 0.5) * r - 0.5, (pc + 0.5) * r - 0.5, labelSigma, 1.0, PsfCombine.Max);
            }
            if (path is { Count: > 0 }) TrackLabel.DrawPath(label, labelSize, labelSize, path, s.TrackSigmaPx * r);
        }
        AddTissue(re, im, random);
        AddNoise(re, im, random);
        if (s.SvdCutoff.IsOn)
        {
            var filter = SvdClutterFilter.Apply(re, im, [t, size, size], s.SvdCutoff);
            _notice?.Invoke($"frame {index}: svd_cutoff = {s.SvdCutoff} removed the first {filter.Low - 1} of {t} singular components (kept [{filter.Low}, {filter.High}]).");
        }

        var data = Output(re, im);
        int[] shape = t > 1 ? [t, size, size] : [size, size];
        int[] labelShape = t > 1 && !tracks ? [t, labelSize, labelSize] : [labelSize, labelSize];
        return new Frame(data, shape, label, labelShape, _source, index, positions, _origin, Channels);
    }

    /// <summary>Each bubble's position at every step (null where it is outside its vessel path) and its amplitude.</summary>
    private List<((double Row, double Column)?[] Trajectory, double Amplitude)> Bubbles(SeededRandom random, int t)
    {
        var s = _settings;
        int count = random.NextInt(s.Scatterers.Low, s.Scatterers.High);
        var bubbles = new List<((double, double)?[], double)>(count);
        if (s.Motion == ScattererMotion.Linear)
        {
            // The Gaussian simulator's draws, in its order: position, speed, angle, amplitude.
            for (int k = 0; k < count; k++)
            {
                double row = random.NextDouble(0, s.Size - 1), column = random.NextDouble(0, s.Size - 1);
                double speed = random.NextDouble(s.VelocityPx.Low, s.VelocityPx.High);
                double angle = random.NextDouble(s.AngleDeg.Low, s.AngleDeg.High) * Math.PI / 180;
                double amplitude = random.NextDouble(s.Amplitude.Low, s.Amplitude.High);
                double dRow = t > 1 ? speed * Math.Cos(angle) : 0, dColumn = t > 1 ? speed * Math.Sin(angle) : 0;
                var trajectory = new (double, double)?[t];
                for (int step = 0; step < t; step++) trajectory[step] = (row + step * dRow, column + step * dColumn);
                bubbles.Add((trajectory, amplitude));
            }
            return bubbles;
        }

        var network = VesselNetwork.Grow(s.Vessels, s.Size, s.VesselRadiusPx, random);
        var weights = network.Paths.Select(p => Math.Pow(p.LeafRadius, 3)).ToArray();
        double total = weights.Sum();
        double rootSpeed = random.NextDouble(s.VelocityPx.Low, s.VelocityPx.High);
        for (int k = 0; k < count; k++)
        {
            double u = random.NextDouble() * total;
            int p = 0;
            while (p < weights.Length - 1 && (u -= weights[p]) > 0) p++;
            var path = network.Paths[p];
            double across = random.NextDouble(-1, 1); // d / r, kept along the path
            double amplitude = random.NextDouble(s.Amplitude.Low, s.Amplitude.High);
            double Speed(double at) => path.LaminarSpeed(at, across, rootSpeed, s.VesselRadiusPx);
            // Start anywhere from one sequence's travel before the path to its end: bubbles enter and leave.
            double arc = random.NextDouble(-Speed(0) * t, path.Length);
            var trajectory = new (double, double)?[t];
            for (int step = 0; step < t; step++)
            {
                if (arc >= 0 && arc <= path.Length) trajectory[step] = path.At(arc, across * path.RadiusAt(arc));
                arc += t > 1 ? Speed(Math.Clamp(arc, 0, path.Length)) : 0;
            }
            bubbles.Add((trajectory, amplitude));
        }
        return bubbles;
    }

    /// <summary>
    /// Dense tissue scatterers of equal reflectivity at uniform random positions (their depths, through the
    /// two-way phase, give uniform random phases: fully developed speckle when ten or more share a
    /// resolution cell), moving rigidly by tissue_velocity_px per step. Placed over the field plus the
    /// kernel's reach and the motion, so that the edges get as many echoes as the centre.
    /// </summary>
    private void AddTissue(double[] re, double[] im, SeededRandom random)
    {
        var s = _settings;
        if (s.TissueScatterers == 0) return;
        int t = s.Frames, size = s.Size, plane = size * size;
        double direction = random.NextDouble(0, 2 * Math.PI);
        double dRow = s.TissueVelocityPx * Math.Cos(direction), dColumn = s.TissueVelocityPx * Math.Sin(direction);
        double travel = s.TissueVelocityPx * (t - 1);
        double rowMargin = Psf.AxialHalfWidth + travel, columnMargin = Psf.LateralHalfWidth + travel;
        double area = (size - 1 + 2 * rowMargin) * (size - 1 + 2 * columnMargin);
        double density = s.TissueScatterers / area;
        // Mean tissue intensity = density · Σ|h|²; scale it to (mean bubble amplitude · 10^(TBR/20))².
        double bubble = (s.Amplitude.Low + s.Amplitude.High) / 2;
        double reflectivity = bubble * Math.Pow(10, s.TissueToBubbleDb / 20) / Math.Sqrt(density * Psf.Energy());
        for (int j = 0; j < s.TissueScatterers; j++)
        {
            double row = random.NextDouble(-rowMargin, size - 1 + rowMargin);
            double column = random.NextDouble(-columnMargin, size - 1 + columnMargin);
            for (int step = 0; step < t; step++)
                Psf.Add(re, im, step * plane, size, size, row + step * dRow, column + step * dColumn, reflectivity, 0);
        }
    }

    /// <summary>
    /// Thermal noise: circular complex Gaussian, σ² split evenly between I and Q, with σ from noise_std or
    /// from snr_db against the rms of the clean IQ of the whole frame.
    /// </summary>
    private void AddNoise(double[] re, double[] im, SeededRandom random)
    {
        var s = _settings;
        double sigma = s.SnrDb is double snr ? Rms(re, im) * Math.Pow(10, -snr / 20) : s.NoiseStd;
        if (sigma <= 0) return;
        double perPart = sigma / Math.Sqrt(2);
        for (int i = 0; i < re.Length; i++)
        {
            re[i] += perPart * random.NextGaussian();
            im[i] += perPart * random.NextGaussian();
        }
    }

    private static double Rms(double[] re, double[] im)
    {
        double sum = 0;
        for (int i = 0; i < re.Length; i++) sum += re[i] * re[i] + im[i] * im[i];
        return Math.Sqrt(sum / re.Length);
    }

    private float[] Output(double[] re, double[] im)
    {
        int n = re.Length;
        switch (_settings.Output)
        {
            case SimulationOutput.Iq:
            {
                // Channel-major [C, T, H, W]: every real value, then every imaginary one.
                var data = new float[2 * n];
                for (int i = 0; i < n; i++)
                {
                    data[i] = (float)re[i];
                    data[n + i] = (float)im[i];
                }
                return data;
            }
            case SimulationOutput.BmodeDb:
                return BMode.Compress(re, im, _settings.DynamicRangeDb);
            default:
            {
                var data = new float[n];
                for (int i = 0; i < n; i++) data[i] = (float)Math.Sqrt(re[i] * re[i] + im[i] * im[i]);
                return data;
            }
        }
    }
}
