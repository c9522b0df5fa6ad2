namespace DataPipeline.Engine.Configuration;

/// <summary>
/// A configuration file that cannot be used: unreadable, not TOML, or a key that is unknown,
/// of the wrong type or out of range. Carries where the problem is so the user can fix it
/// without guessing.
/// </summary>
public sealed class ConfigException : Exception
{
    public ConfigException(string message, string? file, int line = 0, string? key = null, string? value = null,
        Exception? inner = null)
        : base(Compose(message, file, line), inner)
    {
        File = file;
        Line = line;
        Key = key;
        Value = value;
    }

    /// <summary>The file, or null for settings that did not come from a file.</summary>
    public string? File { get; }

    /// <summary>1-based line of the offending key, or 0 when unknown.</summary>
    public int Line { get; }

    /// <summary>The full key, e.g. "training.loss".</summary>
    public string? Key { get; }

    public string? Value { get; }

    private static string Compose(string message, string? file, int line) =>
        file is null ? message : line > 0 ? $"{file}:{line}: {message}" : $"{file}: {message}";
}
