using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DataPipeline.Engine.Runtime;

/// <summary>
/// Standard normal deviates for whole spans at SIMD speed: sixteen xoshiro128** generators run side
/// by side, and each pair of their 32-bit outputs becomes two deviates by the Box-Muller transform,
/// with float logarithm, sine and cosine polynomials (Cephes' logf, sinf and cosf, about one ulp).
/// The sixteen lanes are a fixed part of the definition, not the vector width: Vector&lt;T&gt; of 4, 8
/// or 16 lanes walks them in groups, every operation is an exactly rounded float operation (no fused
/// multiply-add), so the values are the same on every machine. Where 512-bit vectors run natively
/// (AVX-512), whose width .NET does not give Vector&lt;T&gt; by default, <see cref="Wide"/> does the
/// same operations on all sixteen lanes at once, about twice as fast.
/// </summary>
internal static class VectorGaussian
{
    /// <summary>Independent generators; each contributes two deviates to every block.</summary>
    public const int Lanes = 16;

    /// <summary>
    /// Values per block: the cosine deviates of lanes 0..15, then their sine deviates. A span whose
    /// length is not a multiple takes a prefix of the last block, so a shorter fill is a prefix of a
    /// longer one from the same state.
    /// </summary>
    public const int Block = 2 * Lanes;

    /// <summary>Words of generator state: four 32-bit words per lane, word k of lane j at k * Lanes + j.</summary>
    public const int StateWords = 4 * Lanes;

    /// <summary>
    /// Adds <paramref name="sigma"/> times a standard normal deviate to every value, advancing the
    /// lane generators in <paramref name="state"/>. Box-Muller on 24-bit uniforms caps deviates at
    /// sqrt(-2 ln 2^-24) = 5.77, which cuts off 8e-9 of the mass: nothing noise could show.
    /// </summary>
    public static void Add(Span<float> values, float sigma, Span<uint> state)
    {
        if (state.Length != StateWords) throw new ArgumentException($"State must hold {StateWords} words.", nameof(state));
        if (Vector512.IsHardwareAccelerated)
        {
            Wide.Add(values, sigma, state);
            return;
        }
        int width = Vector<uint>.Count;
        int blocks = values.Length / Block, rest = values.Length - blocks * Block;
        Span<float> last = stackalloc float[Block];
        var scale = new Vector<float>(sigma);
        ref float head = ref MemoryMarshal.GetReference(values);
        ref uint words = ref MemoryMarshal.GetReference(state);
        // Each group of lanes runs through every block with its state in registers; the lanes are
        // independent, so the order of this walk does not change a value.
        for (int lane = 0; lane < Lanes; lane += width)
        {
            var s0 = Vector.LoadUnsafe(ref words, (nuint)lane);
            var s1 = Vector.LoadUnsafe(ref words, (nuint)(Lanes + lane));
            var s2 = Vector.LoadUnsafe(ref words, (nuint)(2 * Lanes + lane));
            var s3 = Vector.LoadUnsafe(ref words, (nuint)(3 * Lanes + lane));
            for (int b = 0; b < blocks; b++)
            {
                var radius = Next(ref s0, ref s1, ref s2, ref s3);
                var turn = Next(ref s0, ref s1, ref s2, ref s3);
                Pair(radius, turn, scale, out var cos, out var sin);
                nuint at = (nuint)(b * Block + lane);
                (Vector.LoadUnsafe(ref head, at) + cos).StoreUnsafe(ref head, at);
                (Vector.LoadUnsafe(ref head, at + Lanes) + sin).StoreUnsafe(ref head, at + Lanes);
            }
            if (rest > 0)
            {
                var radius = Next(ref s0, ref s1, ref s2, ref s3);
                var turn = Next(ref s0, ref s1, ref s2, ref s3);
                Pair(radius, turn, scale, out var cos, out var sin);
                cos.CopyTo(last[lane..]);
                sin.CopyTo(last[(Lanes + lane)..]);
            }
            s0.StoreUnsafe(ref words, (nuint)lane);
            s1.StoreUnsafe(ref words, (nuint)(Lanes + lane));
            s2.StoreUnsafe(ref words, (nuint)(2 * Lanes + lane));
            s3.StoreUnsafe(ref words, (nuint)(3 * Lanes + lane));
        }
        var tail = values[(blocks * Block)..];
        for (int i = 0; i < rest; i++) tail[i] += last[i];
    }

    /// <summary>One xoshiro128** step of each lane (Blackman and Vigna), multiplications as shifts and adds.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<uint> Next(ref Vector<uint> s0, ref Vector<uint> s1, ref Vector<uint> s2, ref Vector<uint> s3)
    {
        var times5 = s1 + Vector.ShiftLeft(s1, 2);
        var rotated = Vector.ShiftLeft(times5, 7) | Vector.ShiftRightLogical(times5, 25);
        var result = rotated + Vector.ShiftLeft(rotated, 3);
        var t = Vector.ShiftLeft(s1, 9);
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = Vector.ShiftLeft(s3, 11) | Vector.ShiftRightLogical(s3, 21);
        return result;
    }

    /// <summary>
    /// Box-Muller: radius sqrt(-2 ln u) from the top 24 bits of <paramref name="radius"/> as u in
    /// (0, 1] (never 0, so the logarithm is finite), angle 2 pi v from <paramref name="turn"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pair(Vector<uint> radius, Vector<uint> turn, Vector<float> scale, out Vector<float> cos, out Vector<float> sin)
    {
        var u = Vector.ConvertToSingle(Vector.AsVectorInt32(Vector.ShiftRightLogical(radius, 8) + Vector<uint>.One)) * new Vector<float>(1f / (1 << 24));
        var r = scale * Vector.SquareRoot(new Vector<float>(-2f) * Log(u));
        SinCosTurn(turn, out var c, out var s);
        cos = r * c;
        sin = r * s;
    }

    /// <summary>Natural logarithm of positive normal floats (Cephes logf: the mantissa folded into [sqrt(1/2), sqrt(2)), a degree-9 polynomial).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector<float> Log(Vector<float> x)
    {
        var bits = Vector.AsVectorInt32(x);
        // x = m 2^e with m in [0.5, 1).
        var e = Vector.ShiftRightArithmetic(bits, 23) - new Vector<int>(126);
        var m = Vector.AsVectorSingle((bits & new Vector<int>(0x007FFFFF)) | new Vector<int>(0x3F000000));
        // Below sqrt(1/2) take 2m and e - 1 instead, keeping f = m - 1 within [-0.29, 0.41].
        var small = Vector.LessThan(m, new Vector<float>(0.707106781186547524f));
        e += small;
        var f = m - Vector<float>.One + (Vector.AsVectorSingle(small & Vector.AsVectorInt32(m)));
        var z = f * f;
        var p = new Vector<float>(7.0376836292e-2f);
        p = p * f + new Vector<float>(-1.1514610310e-1f);
        p = p * f + new Vector<float>(1.1676998740e-1f);
        p = p * f + new Vector<float>(-1.2420140846e-1f);
        p = p * f + new Vector<float>(1.4249322787e-1f);
        p = p * f + new Vector<float>(-1.6668057665e-1f);
        p = p * f + new Vector<float>(2.0000714765e-1f);
        p = p * f + new Vector<float>(-2.4999993993e-1f);
        p = p * f + new Vector<float>(3.3333331174e-1f);
        var fe = Vector.ConvertToSingle(e);
        // ln 2 split in two (0.693359375 exact in few bits) so e ln 2 adds without rounding away f.
        var y = p * f * z + fe * new Vector<float>(-2.12194440e-4f) - new Vector<float>(0.5f) * z;
        return f + y + fe * new Vector<float>(0.693359375f);
    }

    /// <summary>
    /// Cosine and sine of 2 pi <paramref name="turn"/> / 2^32. The reduction is exact integer work:
    /// the nearest quarter turn q, then a remainder within +-1/8 turn for the polynomials.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void SinCosTurn(Vector<uint> turn, out Vector<float> cos, out Vector<float> sin)
    {
        var q = Vector.ShiftRightLogical(turn + new Vector<uint>(1u << 29), 30);
        var remainder = Vector.AsVectorInt32(turn - Vector.ShiftLeft(q, 30));
        var a = Vector.ConvertToSingle(remainder) * new Vector<float>((float)(Math.PI / 2 / (1 << 30)));
        var z = a * a;
        var sp = new Vector<float>(-1.9515295891e-4f);
        sp = sp * z + new Vector<float>(8.3321608736e-3f);
        sp = sp * z + new Vector<float>(-1.6666654611e-1f);
        var s = a + a * z * sp;
        var cp = new Vector<float>(2.443315711809948e-5f);
        cp = cp * z + new Vector<float>(-1.388731625493765e-3f);
        cp = cp * z + new Vector<float>(4.166664568298827e-2f);
        var c = Vector<float>.One - new Vector<float>(0.5f) * z + z * z * cp;
        // Quarter q: (cos, sin) of q/4 turn + a is (c, s), (-s, c), (-c, -s), (s, -c).
        var odd = Vector.AsVectorInt32(Vector.Equals(q & Vector<uint>.One, Vector<uint>.One));
        var cosSign = Vector.AsVectorInt32(Vector.ShiftLeft((q + Vector<uint>.One) & new Vector<uint>(2), 30));
        var sinSign = Vector.AsVectorInt32(Vector.ShiftLeft(q & new Vector<uint>(2), 30));
        cos = Vector.AsVectorSingle(Vector.AsVectorInt32(Vector.ConditionalSelect(odd, s, c)) ^ cosSign);
        sin = Vector.AsVectorSingle(Vector.AsVectorInt32(Vector.ConditionalSelect(odd, c, s)) ^ sinSign);
    }

    /// <summary>
    /// <see cref="Add"/> with Vector512: the same steps, operation for operation (so the same bits),
    /// on sixteen lanes in one vector. Kept beside the Vector&lt;T&gt; code it mirrors, which is the
    /// reference (and the tests' path for Log and SinCosTurn); any change goes into both.
    /// </summary>
    private static class Wide
    {
        public static void Add(Span<float> values, float sigma, Span<uint> state)
        {
            int blocks = values.Length / Block, rest = values.Length - blocks * Block;
            var scale = Vector512.Create(sigma);
            ref float head = ref MemoryMarshal.GetReference(values);
            ref uint words = ref MemoryMarshal.GetReference(state);
            var s0 = Vector512.LoadUnsafe(ref words, 0);
            var s1 = Vector512.LoadUnsafe(ref words, Lanes);
            var s2 = Vector512.LoadUnsafe(ref words, 2 * Lanes);
            var s3 = Vector512.LoadUnsafe(ref words, 3 * Lanes);
            for (int b = 0; b < blocks; b++)
            {
                var radius = Next(ref s0, ref s1, ref s2, ref s3);
                var turn = Next(ref s0, ref s1, ref s2, ref s3);
                Pair(radius, turn, scale, out var cos, out var sin);
                nuint at = (nuint)(b * Block);
                (Vector512.LoadUnsafe(ref head, at) + cos).StoreUnsafe(ref head, at);
                (Vector512.LoadUnsafe(ref head, at + Lanes) + sin).StoreUnsafe(ref head, at + Lanes);
            }
            if (rest > 0)
            {
                var radius = Next(ref s0, ref s1, ref s2, ref s3);
                var turn = Next(ref s0, ref s1, ref s2, ref s3);
                Pair(radius, turn, scale, out var cos, out var sin);
                Span<float> last = stackalloc float[Block];
                cos.CopyTo(last);
                sin.CopyTo(last[Lanes..]);
                var tail = values[(blocks * Block)..];
                for (int i = 0; i < rest; i++) tail[i] += last[i];
            }
            s0.StoreUnsafe(ref words, 0);
            s1.StoreUnsafe(ref words, Lanes);
            s2.StoreUnsafe(ref words, 2 * Lanes);
            s3.StoreUnsafe(ref words, 3 * Lanes);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<uint> Next(ref Vector512<uint> s0, ref Vector512<uint> s1, ref Vector512<uint> s2, ref Vector512<uint> s3)
        {
            var times5 = s1 + Vector512.ShiftLeft(s1, 2);
            var rotated = Vector512.ShiftLeft(times5, 7) | Vector512.ShiftRightLogical(times5, 25);
            var result = rotated + Vector512.ShiftLeft(rotated, 3);
            var t = Vector512.ShiftLeft(s1, 9);
            s2 ^= s0;
            s3 ^= s1;
            s1 ^= s2;
            s0 ^= s3;
            s2 ^= t;
            s3 = Vector512.ShiftLeft(s3, 11) | Vector512.ShiftRightLogical(s3, 21);
            return result;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Pair(Vector512<uint> radius, Vector512<uint> turn, Vector512<float> scale, out Vector512<float> cos, out Vector512<float> sin)
        {
            var u = Vector512.ConvertToSingle((Vector512.ShiftRightLogical(radius, 8) + Vector512<uint>.One).AsInt32()) * Vector512.Create(1f / (1 << 24));
            var r = scale * Vector512.Sqrt(Vector512.Create(-2f) * Log(u));
            SinCosTurn(turn, out var c, out var s);
            cos = r * c;
            sin = r * s;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<float> Log(Vector512<float> x)
        {
            var bits = x.AsInt32();
            var e = Vector512.ShiftRightArithmetic(bits, 23) - Vector512.Create(126);
            var m = ((bits & Vector512.Create(0x007FFFFF)) | Vector512.Create(0x3F000000)).AsSingle();
            var small = Vector512.LessThan(m, Vector512.Create(0.707106781186547524f)).AsInt32();
            e += small;
            var f = m - Vector512<float>.One + (small & m.AsInt32()).AsSingle();
            var z = f * f;
            var p = Vector512.Create(7.0376836292e-2f);
            p = p * f + Vector512.Create(-1.1514610310e-1f);
            p = p * f + Vector512.Create(1.1676998740e-1f);
            p = p * f + Vector512.Create(-1.2420140846e-1f);
            p = p * f + Vector512.Create(1.4249322787e-1f);
            p = p * f + Vector512.Create(-1.6668057665e-1f);
            p = p * f + Vector512.Create(2.0000714765e-1f);
            p = p * f + Vector512.Create(-2.4999993993e-1f);
            p = p * f + Vector512.Create(3.3333331174e-1f);
            var fe = Vector512.ConvertToSingle(e);
            var y = p * f * z + fe * Vector512.Create(-2.12194440e-4f) - Vector512.Create(0.5f) * z;
            return f + y + fe * Vector512.Create(0.693359375f);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void SinCosTurn(Vector512<uint> turn, out Vector512<float> cos, out Vector512<float> sin)
        {
            var q = Vector512.ShiftRightLogical(turn + Vector512.Create(1u << 29), 30);
            var remainder = (turn - Vector512.ShiftLeft(q, 30)).AsInt32();
            var a = Vector512.ConvertToSingle(remainder) * Vector512.Create((float)(Math.PI / 2 / (1 << 30)));
            var z = a * a;
            var sp = Vector512.Create(-1.9515295891e-4f);
            sp = sp * z + Vector512.Create(8.3321608736e-3f);
            sp = sp * z + Vector512.Create(-1.6666654611e-1f);
            var s = a + a * z * sp;
            var cp = Vector512.Create(2.443315711809948e-5f);
            cp = cp * z + Vector512.Create(-1.388731625493765e-3f);
            cp = cp * z + Vector512.Create(4.166664568298827e-2f);
            var c = Vector512<float>.One - Vector512.Create(0.5f) * z + z * z * cp;
            var odd = Vector512.Equals(q & Vector512<uint>.One, Vector512<uint>.One).AsSingle();
            var cosSign = Vector512.ShiftLeft((q + Vector512<uint>.One) & Vector512.Create(2u), 30).AsSingle();
            var sinSign = Vector512.ShiftLeft(q & Vector512.Create(2u), 30).AsSingle();
            cos = Vector512.ConditionalSelect(odd, s, c) ^ cosSign;
            sin = Vector512.ConditionalSelect(odd, c, s) ^ sinSign;
        }
    }
}
