using System.Globalization;
using System.Text;

namespace DataPipeline.Engine.Configuration;

/// <summary>
/// Writes a configuration as commented TOML: every section and key, its meaning, its allowed
/// values and its current value. From defaults, this is the file New-TrainingConfig creates.
/// </summary>
public static class ConfigTemplate
{
    public static string Write(PipelineConfig config)
    {
        var text = new StringBuilder();
        text.AppendLine("# DataPipeline configuration. Every key is optional: a missing key keeps its default.");
        text.AppendLine("# Cmdlet parameters override these values.");
        foreach (var (section, instance) in ConfigLoader.Sections.Zip(config.Sections()))
        {
            text.AppendLine();
            text.AppendLine($"# {section.Attribute.Description}");
            text.AppendLine($"[{section.Name}]");
            foreach (var key in section.Keys)
            {
                text.AppendLine($"# {key.Attribute.Description}{Allowed(key)}");
                object? value = key.Property.GetValue(instance);
                if (value is not null && Overridden(section, key, instance)) text.AppendLine($"# {key.Name} = {Format(value)}");
                else text.AppendLine(value is null ? $"# {key.Name} = {key.Attribute.Example}" : $"{key.Name} = {Format(value)}");
            }
        }
        return text.ToString();
    }

    /// <summary>
    /// One section as TOML without comments, set keys only: how a store's manifest records the
    /// settings that made its frames, in the form a configuration file takes them back.
    /// </summary>
    public static string WriteSection(object section)
    {
        var schema = ConfigLoader.Sections.Single(s => s.Type == section.GetType());
        var text = new StringBuilder();
        text.Append('[').Append(schema.Name).AppendLine("]");
        foreach (var key in schema.Keys)
        {
            object? value = key.Property.GetValue(section);
            if (value is not null && !Overridden(schema, key, section)) text.AppendLine($"{key.Name} = {Format(value)}");
        }
        return text.ToString();
    }

    /// <summary>
    /// True when an optional key that excludes this one is set (snr_db over noise_std): writing both would
    /// make a file the loader refuses, so the overridden one stays out (commented in the full template).
    /// </summary>
    private static bool Overridden(ConfigSection section, ConfigKey key, object instance) =>
        section.Keys.Any(other => other.Attribute.ExclusiveWith.Contains(key.Name) && other.Property.GetValue(instance) is not null);

    private static string Allowed(ConfigKey key)
    {
        var type = key.Property.PropertyType;
        if (type.IsEnum)
            return " One of: " + string.Join(", ", ConfigEnum.Names(type)) + ".";
        if (key.Attribute.PatternHint is not null)
            return $" One of: {key.Attribute.PatternHint}.";
        if (!double.IsNaN(key.Attribute.Min) || !double.IsNaN(key.Attribute.Max))
            return $" Range {ConfigLoader.DescribeRange(key.Attribute)}.";
        return "";
    }

    internal static string Format(object value) => value switch
    {
        bool b => b ? "true" : "false",
        string s => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"",
        double d => FormatDouble(d),
        IntRange r => $"[{r.Low}, {r.High}]",
        SvdCutoff c => c.ToString(),
        DoubleRange r => $"[{FormatDouble(r.Low)}, {FormatDouble(r.High)}]",
        PixelPitch p => $"[{FormatDouble(p.Axial)}, {FormatDouble(p.Lateral)}]",
        Enum e => "\"" + ConfigEnum.NameOf(e) + "\"",
        Training.HyperSchedule h => h.ToToml(),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    // TOML needs a decimal point or exponent for a float to stay a float when read back.
    private static string FormatDouble(double d)
    {
        string s = d.ToString("R", CultureInfo.InvariantCulture);
        return s.Contains('.') || s.Contains('E') || s.Contains('e') ? s.Replace("E", "e") : s + ".0";
    }
}
