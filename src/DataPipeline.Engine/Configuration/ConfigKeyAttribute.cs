namespace DataPipeline.Engine.Configuration;

/// <summary>
/// Marks a settings property as a TOML key. The schema of the configuration file is read from
/// these attributes, so the loader's checks, the error messages and the commented file that
/// New-TrainingConfig writes can never disagree with the code.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ConfigKeyAttribute(string name, string description) : Attribute
{
    public string Name { get; } = name;
    public string Description { get; } = description;

    /// <summary>Smallest allowed value (inclusive), or NaN for no bound.</summary>
    public double Min { get; init; } = double.NaN;

    /// <summary>Largest allowed value (inclusive), or NaN for no bound.</summary>
    public double Max { get; init; } = double.NaN;

    /// <summary>True when Max itself is not allowed (for probabilities in [0, 1)).</summary>
    public bool MaxExclusive { get; init; }

    /// <summary>A regular expression a string value must match in full.</summary>
    public string? Pattern { get; init; }

    /// <summary>Words describing the allowed strings when a Pattern is used.</summary>
    public string? PatternHint { get; init; }

    /// <summary>Keys of the same section that must not be set together with this one.</summary>
    public string[] ExclusiveWith { get; init; } = [];

    /// <summary>For a key that is unset by default: the value the template shows, commented out.</summary>
    public string? Example { get; init; }

    /// <summary>True when the value must be odd (kernel sizes).</summary>
    public bool Odd { get; init; }

    /// <summary>True when the value is a fraction in [0, 1) or, from 1 up, a whole count (overlaps in px).</summary>
    public bool FractionOrWhole { get; init; }
}

/// <summary>Marks a settings class as one [section] of the configuration file.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ConfigSectionAttribute(string name, string description) : Attribute
{
    public string Name { get; } = name;
    public string Description { get; } = description;
}

/// <summary>The spelling of an enum member in a configuration file ("bce+dice", "cuda").</summary>
[AttributeUsage(AttributeTargets.Field)]
public sealed class ConfigNameAttribute(params string[] names) : Attribute
{
    /// <summary>The first name is canonical; any others are accepted older spellings.</summary>
    public IReadOnlyList<string> Names { get; } = names;
}
