using System.Globalization;

namespace DataPipeline.Engine.Configuration;

/// <summary>A closed interval [Low, High] of integers, written in TOML as [lo, hi].</summary>
public readonly record struct IntRange(int Low, int High)
{
    public override string ToString() => $"[{Low}, {High}]";
}

/// <summary>A closed interval [Low, High] of reals, written in TOML as [lo, hi].</summary>
public readonly record struct DoubleRange(double Low, double High)
{
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"[{Low}, {High}]");
}

/// <summary>
/// A pixel pitch in wavelengths along rows (axial, depth) and columns (lateral), written in TOML as
/// [axial, lateral] or as one number for square pixels.
/// </summary>
public readonly record struct PixelPitch(double Axial, double Lateral)
{
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"[{Axial}, {Lateral}]");
}
