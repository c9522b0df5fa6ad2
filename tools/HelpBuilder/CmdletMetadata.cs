using System.Globalization;
using System.Reflection;

namespace DataPipeline.HelpBuilder;

/// <summary>How one parameter takes part in one parameter set, as its [Parameter] attribute says.</summary>
internal sealed record ParameterSetUse(string SetName, bool Mandatory, int? Position, bool ByValue, bool ByPropertyName);

/// <summary>One cmdlet parameter as the compiled assembly declares it.</summary>
internal sealed record ParameterMetadata(
    string Name,
    string TypeName,
    string PipelineTypeName,
    bool IsSwitch,
    IReadOnlyList<string> Aliases,
    IReadOnlyList<string> AcceptedValues,
    string? Range,
    bool Globbing,
    IReadOnlyList<ParameterSetUse> Sets);

/// <summary>One cmdlet as the compiled assembly declares it: what Get-Help's SYNTAX and parameter details need.</summary>
internal sealed record CmdletMetadata(
    string Name,
    string? DefaultSetName,
    IReadOnlyList<ParameterMetadata> Parameters,
    IReadOnlyList<string> OutputTypes)
{
    public const string AllSets = "__AllParameterSets";

    /// <summary>
    /// The parameter sets a user can call, default first, each with its parameters in the order
    /// PowerShell prints a syntax line: positional by position, then mandatory, then the rest.
    /// A parameter declared for all sets joins every named set.
    /// </summary>
    public IReadOnlyList<(string Name, IReadOnlyList<(ParameterMetadata Parameter, ParameterSetUse Use)> Parameters)> ParameterSets()
    {
        var named = Parameters.SelectMany(p => p.Sets).Select(s => s.SetName).Where(s => s != AllSets).Distinct().ToList();
        // The default set exists even when no parameter names it (only the all-sets parameters are in it).
        if (DefaultSetName is not null)
        {
            named.Remove(DefaultSetName);
            named.Insert(0, DefaultSetName);
        }
        if (named.Count == 0) named.Add(AllSets);
        return named.Select(set =>
        {
            var members = Parameters
                .Select(p => (Parameter: p, Use: p.Sets.FirstOrDefault(s => s.SetName == set) ?? p.Sets.FirstOrDefault(s => s.SetName == AllSets)))
                .Where(m => m.Use is not null)
                .Select(m => (m.Parameter, Use: m.Use!))
                .ToList();
            var ordered = members.Where(m => m.Use.Position is not null).OrderBy(m => m.Use.Position)
                .Concat(members.Where(m => m.Use.Position is null && m.Use.Mandatory))
                .Concat(members.Where(m => m.Use.Position is null && !m.Use.Mandatory))
                .ToList();
            return (set, (IReadOnlyList<(ParameterMetadata, ParameterSetUse)>)ordered);
        }).ToList();
    }
}

/// <summary>
/// Reads the cmdlets of a built module assembly without loading it for execution
/// (MetadataLoadContext): the assembly is compiled against PowerShell Standard and the engine,
/// which this net10.0 tool neither references nor could run.
/// </summary>
internal static class CmdletMetadataReader
{
    private const string Sma = "System.Management.Automation.";

    /// <param name="assemblyPath">The module assembly (the compiler's output).</param>
    /// <param name="referencePaths">Every assembly it was compiled against, framework included.</param>
    public static IReadOnlyList<CmdletMetadata> Read(string assemblyPath, IEnumerable<string> referencePaths)
    {
        var paths = referencePaths.Where(p => !string.Equals(Path.GetFileName(p), Path.GetFileName(assemblyPath), StringComparison.OrdinalIgnoreCase))
            .Append(assemblyPath);
        using var context = new MetadataLoadContext(new PathAssemblyResolver(paths));
        var assembly = context.LoadFromAssemblyPath(assemblyPath);
        return assembly.GetTypes()
            .Where(t => t.IsPublic && !t.IsAbstract)
            .Select(t => (Type: t, Cmdlet: Attribute(t.GetCustomAttributesData(), "CmdletAttribute")))
            .Where(c => c.Cmdlet is not null)
            .Select(c => ToCmdlet(c.Type, c.Cmdlet!))
            .OrderBy(c => c.Name, StringComparer.Ordinal)
            .ToList();
    }

    private static CmdletMetadata ToCmdlet(Type type, CustomAttributeData cmdlet)
    {
        var name = $"{cmdlet.ConstructorArguments[0].Value}-{cmdlet.ConstructorArguments[1].Value}";
        var parameters = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => ToParameter(p))
            .OfType<ParameterMetadata>()
            .ToList();
        var outputs = type.GetCustomAttributesData()
            .Where(a => IsSma(a, "OutputTypeAttribute"))
            .SelectMany(a => a.ConstructorArguments.SelectMany(Values))
            .Select(v => v is Type t ? t.FullName ?? t.Name : v.ToString()!)
            .Distinct()
            .ToList();
        return new CmdletMetadata(name, Named(cmdlet, "DefaultParameterSetName") as string, parameters, outputs);
    }

    private static ParameterMetadata? ToParameter(PropertyInfo property)
    {
        var attributes = property.GetCustomAttributesData();
        var uses = attributes.Where(a => IsSma(a, "ParameterAttribute")).Select(a => new ParameterSetUse(
            Named(a, "ParameterSetName") as string ?? CmdletMetadata.AllSets,
            Named(a, "Mandatory") is true,
            Named(a, "Position") is int position && position != int.MinValue ? position : null,
            Named(a, "ValueFromPipeline") is true,
            Named(a, "ValueFromPipelineByPropertyName") is true)).ToList();
        if (uses.Count == 0) return null;

        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        var element = type.IsArray ? type.GetElementType()! : type;
        var accepted = attributes.Where(a => IsSma(a, "ValidateSetAttribute"))
            .SelectMany(a => a.ConstructorArguments.SelectMany(Values)).Select(v => v.ToString()!).ToList();
        if (accepted.Count == 0 && element.IsEnum) accepted = [.. element.GetEnumNames()];

        return new ParameterMetadata(
            property.Name,
            ShortName(type),
            element.FullName ?? element.Name,
            type.FullName == Sma + "SwitchParameter",
            attributes.Where(a => IsSma(a, "AliasAttribute")).SelectMany(a => a.ConstructorArguments.SelectMany(Values)).Select(v => v.ToString()!).ToList(),
            accepted,
            attributes.Where(a => IsSma(a, "ValidateRangeAttribute")).Select(Range).FirstOrDefault(),
            attributes.Any(a => IsSma(a, "SupportsWildcardsAttribute")),
            uses);
    }

    /// <summary>The type as Get-Help prints it for a PSReadLine cmdlet: Int32, String[], Hashtable.</summary>
    private static string ShortName(Type type) =>
        type.IsArray ? ShortName(type.GetElementType()!) + "[]"
        : type.IsGenericType ? $"{type.Name[..type.Name.IndexOf('`')]}[{string.Join(", ", type.GetGenericArguments().Select(ShortName))}]"
        : type.Name;

    /// <summary>
    /// "1 to 65536"; a bound at a type's extreme (int.MaxValue, double.MaxValue) means "no limit"
    /// to the user, so it is said in words instead of a 309-digit number.
    /// </summary>
    private static string Range(CustomAttributeData attribute)
    {
        static bool Extreme(object? v) => v is int.MaxValue or int.MinValue or long.MaxValue or long.MinValue
            or double.MaxValue or double.MinValue or float.MaxValue or float.MinValue;
        static string Text(object? v) => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "";
        var (lo, hi) = (attribute.ConstructorArguments[0].Value, attribute.ConstructorArguments[1].Value);
        return (Extreme(lo), Extreme(hi)) switch
        {
            (false, true) => $"{Text(lo)} or more",
            (true, false) => $"{Text(hi)} or less",
            _ => $"{Text(lo)} to {Text(hi)}",
        };
    }

    private static IEnumerable<object> Values(CustomAttributeTypedArgument argument) =>
        argument.Value is IEnumerable<CustomAttributeTypedArgument> items
            ? items.Select(i => i.Value!)
            : argument.Value is null ? [] : [argument.Value];

    private static bool IsSma(CustomAttributeData attribute, string name) => attribute.AttributeType.FullName == Sma + name;

    private static CustomAttributeData? Attribute(IEnumerable<CustomAttributeData> attributes, string name) =>
        attributes.FirstOrDefault(a => a.AttributeType.FullName == Sma + name);

    private static object? Named(CustomAttributeData attribute, string name) =>
        attribute.NamedArguments.Where(a => a.MemberName == name).Select(a => a.TypedValue.Value).FirstOrDefault();
}
