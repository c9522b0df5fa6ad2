namespace DataPipeline.Engine.Physics;

/// <summary>Log compression of an IQ signal into B-mode decibels, as a scanner displays it.</summary>
public static class BMode
{
    /// <summary>
    /// 20·log10(|IQ| / max|IQ|) over all values given (a sequence shares one reference, so its time steps
    /// stay comparable), clipped at −<paramref name="dynamicRangeDb"/>: values in [−dynamic range, 0].
    /// </summary>
    public static float[] Compress(double[] re, double[] im, double dynamicRangeDb)
    {
        if (!(dynamicRangeDb > 0)) throw new ArgumentOutOfRangeException(nameof(dynamicRangeDb), $"The dynamic range must be positive; got {dynamicRangeDb} dB.");
        var envelope = new double[re.Length];
        double max = 0;
        for (int i = 0; i < re.Length; i++)
        {
            envelope[i] = Math.Sqrt(re[i] * re[i] + im[i] * im[i]);
            max = Math.Max(max, envelope[i]);
        }
        var db = new float[re.Length];
        for (int i = 0; i < db.Length; i++)
            db[i] = max > 0 && envelope[i] > 0 ? (float)Math.Max(-dynamicRangeDb, 20 * Math.Log10(envelope[i] / max)) : (float)-dynamicRangeDb;
        return db;
    }

    /// <summary>The same for a real amplitude (an envelope): |value| is the magnitude.</summary>
    public static float[] Compress(ReadOnlySpan<float> amplitude, double dynamicRangeDb)
    {
        var re = new double[amplitude.Length];
        for (int i = 0; i < re.Length; i++) re[i] = amplitude[i];
        return Compress(re, new double[re.Length], dynamicRangeDb);
    }
}
