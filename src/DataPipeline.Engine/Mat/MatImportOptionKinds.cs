using DataPipeline.Engine.Configuration;

namespace DataPipeline.Engine.Mat;

/// <summary>How one dimension of a MATLAB array is collapsed into a frame.</summary>
public enum MatReduction
{
    [ConfigName("none")] None,
    [ConfigName("sum")] Sum,
    [ConfigName("mean")] Mean,
    [ConfigName("max")] Max,
}

/// <summary>Which real number a complex (IQ) sample becomes, or both as two channels.</summary>
public enum ComplexPart
{
    [ConfigName("real")] Real,
    [ConfigName("magnitude")] Magnitude,
    [ConfigName("imag")] Imag,
    /// <summary>Two channels, real then imaginary (Frame.Channels = 2), for a model with in_channels = 2.</summary>
    [ConfigName("iq")] Iq,
}

/// <summary>Per-frame scaling of imported data.</summary>
public enum MatNormalization
{
    [ConfigName("none")] None,
    /// <summary>(x - min) / (max - min): values in [0, 1].</summary>
    [ConfigName("minmax")] MinMax,
    /// <summary>(x - mean) / std.</summary>
    [ConfigName("zscore")] ZScore,
    /// <summary>x / max|x|: values in [-1, 1], zero stays zero.</summary>
    [ConfigName("max")] Max,
}
