namespace DataPipeline.Engine.Runtime;

/// <summary>
/// A small, fast pseudo-random stream (xoshiro256**) whose sequence is fixed by its seed on every
/// platform and .NET version, unlike System.Random. Streams for independent work items (frame i
/// of a run, epoch e of a sampler) are derived from (seed, stream) so that the work can be done in
/// any order, on any number of threads, and still give the same numbers.
/// </summary>
public sealed class SeededRandom
{
    private ulong _s0, _s1, _s2, _s3;
    private double _spareGaussian;
    private bool _hasSpareGaussian;

    public SeededRandom(long seed, long stream = 0)
    {
        // SplitMix64 expands the (seed, stream) pair into a well-mixed 256-bit state.
        ulong x = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)stream * 0xD1B54A32D192ED03UL);
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64()
    {
        ulong result = RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [lo, hi).</summary>
    public double NextDouble(double lo, double hi) => lo + (hi - lo) * NextDouble();

    /// <summary>Uniform integer in [lo, hi], both ends included, without modulo bias.</summary>
    public int NextInt(int lo, int hiInclusive)
    {
        if (hiInclusive < lo) throw new ArgumentOutOfRangeException(nameof(hiInclusive));
        ulong range = (ulong)((long)hiInclusive - lo) + 1;
        ulong limit = ulong.MaxValue - ulong.MaxValue % range;
        ulong r;
        do { r = NextUInt64(); } while (r >= limit);
        return (int)(lo + (long)(r % range));
    }

    /// <summary>Standard normal deviate (Marsaglia's polar method).</summary>
    public double NextGaussian()
    {
        if (_hasSpareGaussian)
        {
            _hasSpareGaussian = false;
            return _spareGaussian;
        }
        double u, v, s;
        do
        {
            u = 2 * NextDouble() - 1;
            v = 2 * NextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        double factor = Math.Sqrt(-2 * Math.Log(s) / s);
        _spareGaussian = v * factor;
        _hasSpareGaussian = true;
        return u * factor;
    }

    /// <summary>Fisher–Yates shuffle in place.</summary>
    public void Shuffle<T>(T[] items) => Shuffle(items.AsSpan());

    /// <summary>Fisher–Yates shuffle in place.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(0, i);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>
    /// Adds <paramref name="sigma"/> times a standard normal deviate to every value, drawn by
    /// Marsaglia and Tsang's ziggurat (128 layers): about one 64-bit draw per value with no
    /// logarithm on 99% of them, several times faster than <see cref="NextGaussian()"/>, which
    /// matters for per-pixel noise on whole batches. The layer index comes from bits the value
    /// does not use, avoiding the original's index/value correlation (Doornik 2005).
    /// </summary>
    public void AddGaussian(Span<float> values, double sigma)
    {
        var z = Ziggurat.Table;
        // Locals and a masked index let the JIT keep the tables in registers and drop bounds checks.
        uint[] threshold = z.Threshold;
        double[] width = z.Width;
        for (int i = 0; i < values.Length; i++)
        {
            ulong bits = NextUInt64();
            int layer = (int)(bits & 127);
            int hz = (int)(bits >> 32);
            double x = hz * width[layer];
            if ((uint)Math.Abs((long)hz) >= threshold[layer])
                x = ZigguratTail(hz, layer, z);
            values[i] += (float)(sigma * x);
        }
    }

    private double ZigguratTail(int hz, int layer, Ziggurat z)
    {
        while (true)
        {
            double x = hz * z.Width[layer];
            if (layer == 0)
            {
                // Beyond the base strip: Marsaglia's exact sampler for the normal tail past R.
                double tx, ty;
                do
                {
                    tx = -Math.Log(1 - NextDouble()) / Ziggurat.R;
                    ty = -Math.Log(1 - NextDouble());
                } while (ty + ty < tx * tx);
                return hz > 0 ? Ziggurat.R + tx : -Ziggurat.R - tx;
            }
            if (z.Height[layer] + NextDouble() * (z.Height[layer - 1] - z.Height[layer]) < Math.Exp(-0.5 * x * x))
                return x;
            ulong bits = NextUInt64();
            layer = (int)(bits & 127);
            hz = (int)(bits >> 32);
            if ((uint)Math.Abs((long)hz) < z.Threshold[layer])
                return hz * z.Width[layer];
        }
    }

    /// <summary>The ziggurat's layer tables, from Marsaglia and Tsang (2000), "The Ziggurat Method for Generating Random Variables".</summary>
    private sealed class Ziggurat
    {
        public const double R = 3.442619855899;
        private const double Area = 9.91256303526217e-3, Scale = 2147483648.0;

        public static readonly Ziggurat Table = new();

        public readonly uint[] Threshold = new uint[128];
        public readonly double[] Width = new double[128];
        public readonly double[] Height = new double[128];

        private Ziggurat()
        {
            double d = R, t = R;
            double q = Area / Math.Exp(-0.5 * d * d);
            Threshold[0] = (uint)(d / q * Scale);
            Threshold[1] = 0;
            Width[0] = q / Scale;
            Width[127] = d / Scale;
            Height[0] = 1;
            Height[127] = Math.Exp(-0.5 * d * d);
            for (int i = 126; i >= 1; i--)
            {
                d = Math.Sqrt(-2 * Math.Log(Area / d + Math.Exp(-0.5 * d * d)));
                Threshold[i + 1] = (uint)(d / t * Scale);
                t = d;
                Height[i] = Math.Exp(-0.5 * d * d);
                Width[i] = d / Scale;
            }
        }
    }
}
