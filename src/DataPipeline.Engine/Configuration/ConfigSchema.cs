using System.Reflection;

namespace DataPipeline.Engine.Configuration;

/// <summary>One key of a section: its attribute and the property it sets.</summary>
internal sealed record ConfigKey(ConfigKeyAttribute Attribute, PropertyInfo Property)
{
    public string Name => Attribute.Name;
}

/// <summary>One [section]: its attribute and keys, read by reflection from the settings classes.</summary>
internal sealed record ConfigSection(ConfigSectionAttribute Attribute, Type Type, IReadOnlyList<ConfigKey> Keys)
{
    public string Name => Attribute.Name;

    public static ConfigSection Of(Type type)
    {
        var attribute = type.GetCustomAttribute<ConfigSectionAttribute>()
            ?? throw new InvalidOperationException($"{type.Name} lacks [ConfigSection].");
        var keys = type.GetProperties()
            .Select(p => (Property: p, Key: p.GetCustomAttribute<ConfigKeyAttribute>()))
            .Where(x => x.Key is not null)
            .Select(x => new ConfigKey(x.Key!, x.Property))
            .ToList();
        return new ConfigSection(attribute, type, keys);
    }
}

/// <summary>Names of enum members in configuration files.</summary>
internal static class ConfigEnum
{
    public static IReadOnlyList<string> Names(Type enumType, bool canonicalOnly = true) =>
        enumType.GetFields(BindingFlags.Public | BindingFlags.Static)
            .SelectMany(f => NamesOf(f).Take(canonicalOnly ? 1 : int.MaxValue))
            .ToList();

    public static string NameOf(object value)
    {
        var field = value.GetType().GetField(value.ToString()!)!;
        return NamesOf(field).First();
    }

    public static bool TryParse(Type enumType, string text, out object? value)
    {
        foreach (var field in enumType.GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            if (NamesOf(field).Any(n => string.Equals(n, text, StringComparison.OrdinalIgnoreCase)))
            {
                value = field.GetValue(null);
                return true;
            }
        }
        value = null;
        return false;
    }

    private static IEnumerable<string> NamesOf(FieldInfo field) =>
        field.GetCustomAttribute<ConfigNameAttribute>()?.Names ?? [field.Name.ToLowerInvariant()];
}
