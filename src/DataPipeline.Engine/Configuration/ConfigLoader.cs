using System.Globalization;
using System.Text.RegularExpressions;
using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace DataPipeline.Engine.Configuration;

/// <summary>
/// Reads a TOML configuration into a <see cref="PipelineConfig"/>. Works on Tomlyn's syntax tree
/// rather than its object model so that every error can name the line of the offending key.
/// Unknown sections and keys are errors, not silently ignored: a misspelt key that fell back to
/// its default would cost a user a whole training run.
/// </summary>
public static class ConfigLoader
{
    private static readonly IReadOnlyList<ConfigSection> Schema =
    [
        ConfigSection.Of(typeof(DataSettings)),
        ConfigSection.Of(typeof(SimulationSettings)),
        ConfigSection.Of(typeof(BatchSettings)),
        ConfigSection.Of(typeof(AugmentSettings)),
        ConfigSection.Of(typeof(ModelSettings)),
        ConfigSection.Of(typeof(TrainingSettings)),
        ConfigSection.Of(typeof(ScheduleSettings)),
        ConfigSection.Of(typeof(EvaluationSettings)),
        ConfigSection.Of(typeof(OutputSettings)),
        ConfigSection.Of(typeof(BenchSettings)),
    ];

    internal static IReadOnlyList<ConfigSection> Sections => Schema;

    /// <summary>Every key as section.key (what Invoke-TrainingSweep's -Parameter takes), with its description.</summary>
    public static IEnumerable<(string Key, string Description)> Keys =>
        Schema.SelectMany(s => s.Keys.Select(k => ($"{s.Name}.{k.Name}", k.Attribute.Description)));

    public static PipelineConfig LoadFile(string path)
    {
        string fullPath = Path.GetFullPath(path);
        string text;
        try
        {
            text = File.ReadAllText(fullPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"cannot read the configuration file: {e.Message}", fullPath, inner: e);
        }
        return Parse(text, fullPath);
    }

    /// <summary>Parses TOML text; <paramref name="sourceName"/> is used in error messages.</summary>
    public static PipelineConfig Parse(string text, string sourceName) => Parse(text, sourceName, new PipelineConfig { SourcePath = sourceName });

    /// <summary>A deep copy of <paramref name="config"/>, made through its TOML form.</summary>
    public static PipelineConfig Clone(PipelineConfig config) =>
        Parse(ConfigTemplate.Write(config), config.SourcePath ?? "(settings)", new PipelineConfig { SourcePath = config.SourcePath });

    /// <summary>
    /// Sets one "section.key" of <paramref name="config"/> to <paramref name="value"/> with the same
    /// type and range checks as a file (a sweep's parameters, for instance).
    /// </summary>
    public static void Set(PipelineConfig config, string key, object value)
    {
        int dot = key.IndexOf('.');
        if (dot <= 0 || dot == key.Length - 1)
            throw new ConfigException($"'{key}' is not a section.key name such as training.learning_rate", null, key: key);
        string literal = value is Array array
            ? "[" + string.Join(", ", array.Cast<object>().Select(ConfigTemplate.Format)) + "]"
            : ConfigTemplate.Format(value);
        Parse($"[{key[..dot]}]\n{key[(dot + 1)..]} = {literal}\n", $"parameter {key}", config);
    }

    private static PipelineConfig Parse(string text, string sourceName, PipelineConfig config)
    {
        var document = SyntaxParser.Parse(text, sourceName, true);
        if (document.HasErrors)
        {
            var first = document.Diagnostics.First(d => d.Kind == DiagnosticMessageKind.Error);
            throw new ConfigException($"not valid TOML: {first.Message}", sourceName, first.Span.Start.Line + 1);
        }

        var instances = Schema.Zip(config.Sections()).ToDictionary(p => p.First.Name, p => (p.First, Instance: p.Second));

        foreach (var stray in document.KeyValues)
        {
            throw new ConfigException(
                $"key '{KeyName(stray.Key)}' is outside any section; put it under one of [{string.Join("], [", Schema.Select(s => s.Name))}]",
                sourceName, LineOf(stray), KeyName(stray.Key));
        }

        var seenSections = new HashSet<string>();
        foreach (var table in document.Tables)
        {
            string sectionName = KeyName(table.Name);
            int sectionLine = LineOf(table);
            if (table is not TableSyntax)
                throw new ConfigException($"[[{sectionName}]] arrays of tables are not used; write [{sectionName}]", sourceName, sectionLine, sectionName);
            if (!instances.TryGetValue(sectionName, out var target))
                throw new ConfigException(
                    $"unknown section [{sectionName}]; the sections are [{string.Join("], [", Schema.Select(s => s.Name))}]",
                    sourceName, sectionLine, sectionName);
            if (!seenSections.Add(sectionName))
                throw new ConfigException($"section [{sectionName}] appears twice", sourceName, sectionLine, sectionName);

            var seenKeys = new Dictionary<string, int>();
            foreach (var item in table.Items)
            {
                string keyName = KeyName(item.Key);
                string fullKey = $"{sectionName}.{keyName}";
                int line = LineOf(item);
                var key = target.First.Keys.FirstOrDefault(k => k.Name == keyName)
                    ?? throw new ConfigException(
                        $"unknown key '{fullKey}'; the keys of [{sectionName}] are {string.Join(", ", target.First.Keys.Select(k => k.Name))}",
                        sourceName, line, fullKey);
                if (!seenKeys.TryAdd(keyName, line))
                    throw new ConfigException($"key '{fullKey}' is set twice", sourceName, line, fullKey);
                object value = Convert(key, item.Value, fullKey, sourceName, line);
                key.Property.SetValue(target.Instance, value);
            }
            foreach (var key in target.First.Keys)
            {
                string? other = key.Attribute.ExclusiveWith.FirstOrDefault(seenKeys.ContainsKey);
                if (other is not null && seenKeys.TryGetValue(key.Name, out int line))
                    throw new ConfigException(
                        $"'{sectionName}.{key.Name}' and '{sectionName}.{other}' are both set; they say the same thing two ways, so keep one",
                        sourceName, line, $"{sectionName}.{key.Name}");
            }
        }
        return config;
    }

    private static int LineOf(SyntaxNode node) => node.Span.Start.Line + 1;

    internal static string KeyName(KeySyntax? key)
    {
        if (key is null) return "";
        var parts = new List<string> { SimpleKeyName(key.Key) };
        foreach (var dotted in key.DotKeys)
            parts.Add(SimpleKeyName(dotted.Key));
        return string.Join('.', parts);
    }

    private static string SimpleKeyName(BareKeyOrStringValueSyntax? key) => key switch
    {
        BareKeySyntax bare => bare.Key?.Text ?? "",
        StringValueSyntax quoted => quoted.Value ?? "",
        _ => key?.ToString()?.Trim() ?? "",
    };

    private static object Convert(ConfigKey key, ValueSyntax? syntax, string fullKey, string file, int line)
    {
        var rules = key.Attribute;
        // An unset-by-default key (double?, IntRange?) takes the values of its underlying type.
        var type = Nullable.GetUnderlyingType(key.Property.PropertyType) ?? key.Property.PropertyType;
        string shown = syntax?.ToString()?.Trim() ?? "";

        ConfigException Error(string what) => new($"'{fullKey}' = {shown}: {what}", file, line, fullKey, shown);

        if (type == typeof(int) || type == typeof(long))
        {
            if (syntax is not IntegerValueSyntax integer)
            {
                // size = 1e9: say that it is out of range, with the range, before that it is not an integer.
                if (syntax is FloatValueSyntax real) CheckNumber(real.Value, rules, Error);
                throw Error("expected an integer");
            }
            if (type == typeof(int) && (integer.Value < int.MinValue || integer.Value > int.MaxValue))
                throw Error("the integer is too large");
            CheckNumber(integer.Value, rules, Error);
            if (rules.Odd && integer.Value % 2 == 0)
                throw Error("expected an odd number");
            return type == typeof(int) ? (object)(int)integer.Value : integer.Value;
        }
        if (type == typeof(double) || type == typeof(double?))
        {
            double value = NumberOf(syntax) ?? throw Error("expected a number");
            CheckNumber(value, rules, Error);
            if (rules.FractionOrWhole && value >= 1 && value != Math.Floor(value))
                throw Error("expected a fraction in [0, 1) or a whole number of pixels");
            return value;
        }
        if (type == typeof(bool))
        {
            if (syntax is not BooleanValueSyntax boolean)
                throw Error("expected true or false");
            return boolean.Value;
        }
        if (type == typeof(string))
        {
            if (syntax is not StringValueSyntax text)
                throw Error("expected a string in quotes");
            string value = text.Value ?? "";
            if (rules.Pattern is not null && !Regex.IsMatch(value, $"^(?:{rules.Pattern})$", RegexOptions.IgnoreCase))
                throw Error($"allowed values are {rules.PatternHint ?? rules.Pattern}");
            if (value.Length == 0)
                throw Error("expected a non-empty string");
            return value;
        }
        if (type.IsEnum)
        {
            string allowed = string.Join(", ", ConfigEnum.Names(type).Select(n => $"\"{n}\""));
            if (syntax is not StringValueSyntax text || !ConfigEnum.TryParse(type, text.Value ?? "", out var parsed))
                throw Error($"allowed values are {allowed}");
            return parsed!;
        }
        if (type == typeof(SvdCutoff))
        {
            if (syntax is not ArraySyntax)
                return syntax is StringValueSyntax word && string.Equals(word.Value, "auto", StringComparison.OrdinalIgnoreCase)
                    ? SvdCutoff.Auto
                    : throw Error("expected \"auto\" or a range [lo, hi] of kept singular components");
            var range = (IntRange)ConvertRange(typeof(IntRange), syntax, rules, Error);
            return new SvdCutoff(range.Low, range.High);
        }
        if (type == typeof(PixelPitch))
        {
            // One number is a square pixel; two are [axial, lateral]. Not a range: axial may exceed lateral.
            double[] sizes = syntax is ArraySyntax pair && pair.Items.ChildrenCount == 2
                ? pair.Items.Select(i => NumberOf(i.Value) ?? throw Error("expected [axial, lateral] numbers of wavelengths")).ToArray()
                : NumberOf(syntax) is double one ? [one, one]
                : throw Error("expected a number of wavelengths or [axial, lateral]");
            foreach (double size in sizes) CheckNumber(size, rules, Error);
            return new PixelPitch(sizes[0], sizes[1]);
        }
        if (type == typeof(IntRange) || type == typeof(DoubleRange))
            return ConvertRange(type, syntax, rules, Error);
        if (type == typeof(Training.HyperSchedule))
            return HyperScheduleToml.Parse(syntax, Error);
        throw new InvalidOperationException($"No TOML conversion for {type.Name} ({fullKey}).");
    }

    private static object ConvertRange(Type type, ValueSyntax? syntax, ConfigKeyAttribute rules, Func<string, ConfigException> error)
    {
        if (syntax is not ArraySyntax array || array.Items.ChildrenCount != 2)
            throw error("expected a range [lo, hi]");
        var items = array.Items.Select(i => i.Value).ToArray();
        bool integral = type == typeof(IntRange);
        double[] bounds = items
            .Select(v => integral
                ? (v is IntegerValueSyntax iv ? iv.Value : throw error("expected a range of integers [lo, hi]"))
                : NumberOf(v) ?? throw error("expected a range of numbers [lo, hi]"))
            .ToArray();
        if (bounds[0] > bounds[1])
            throw error("the low end of the range is above the high end");
        foreach (double b in bounds) CheckNumber(b, rules, error);
        return integral ? new IntRange((int)bounds[0], (int)bounds[1]) : new DoubleRange(bounds[0], bounds[1]);
    }

    private static double? NumberOf(ValueSyntax? syntax) => syntax switch
    {
        IntegerValueSyntax i => i.Value,
        FloatValueSyntax f => f.Value,
        _ => null,
    };

    private static void CheckNumber(double value, ConfigKeyAttribute rules, Func<string, ConfigException> error)
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
            throw error("expected a finite number");
        bool tooLow = !double.IsNaN(rules.Min) && value < rules.Min;
        bool tooHigh = !double.IsNaN(rules.Max) && (rules.MaxExclusive ? value >= rules.Max : value > rules.Max);
        if (tooLow || tooHigh)
            throw error($"allowed range is {DescribeRange(rules)}");
    }

    internal static string DescribeRange(ConfigKeyAttribute rules)
    {
        string lo = double.IsNaN(rules.Min) ? "(-inf" : "[" + rules.Min.ToString(CultureInfo.InvariantCulture);
        string hi = double.IsNaN(rules.Max) ? "inf)" : rules.Max.ToString(CultureInfo.InvariantCulture) + (rules.MaxExclusive ? ")" : "]");
        return $"{lo}, {hi}";
    }
}
