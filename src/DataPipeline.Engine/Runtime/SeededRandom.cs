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
    /// Adds <paramref name="sigma"/> times a standard normal deviate to every value. Per-pixel noise
    /// on whole batches needs millions of deviates a second, so they come from sixteen SIMD lanes
    /// (<see cref="VectorGaussian"/>), each seeded with 128 bits of this stream: the values still
    /// depend on nothing but this stream's seed and position, and the stream advances by the same
    /// 32 draws whatever the span's length.
    /// </summary>
    public void AddGaussian(Span<float> values, double sigma)
    {
        Span<uint> state = stackalloc uint[VectorGaussian.StateWords];
        for (int lane = 0; lane < VectorGaussian.Lanes; lane++)
        {
            ulong a = NextUInt64(), b = NextUInt64();
            // An all-zero xoshiro state would emit zeros forever; 2^-128 odds, but free to rule out.
            if ((a | b) == 0) a = 1;
            state[lane] = (uint)a;
            state[VectorGaussian.Lanes + lane] = (uint)(a >> 32);
            state[2 * VectorGaussian.Lanes + lane] = (uint)b;
            state[3 * VectorGaussian.Lanes + lane] = (uint)(b >> 32);
        }
        VectorGaussian.Add(values, (float)sigma, state);
    }
}
