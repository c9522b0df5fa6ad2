using DataPipeline.Engine.Training;
using Tomlyn.Syntax;

namespace DataPipeline.Engine.Configuration;

/// <summary>Reads one [schedules] value, an inline table such as { kind = "lindec", target = 0.99, steps = 1000, per = "iteration" }.</summary>
internal static class HyperScheduleToml
{
    private static readonly Dictionary<ScheduleForm, string[]> KeysOf = new()
    {
        [ScheduleForm.Decay] = ["kind", "per", "factor", "every"],
        [ScheduleForm.LinearDecay] = ["kind", "per", "target", "steps"],
        [ScheduleForm.List] = ["kind", "per", "values"],
    };

    public static HyperSchedule Parse(ValueSyntax? syntax, Func<string, ConfigException> error)
    {
        if (syntax is not InlineTableSyntax table)
            throw error("expected an inline table such as { kind = \"dec\", factor = 0.99, per = \"iteration\" }");
        var items = new Dictionary<string, ValueSyntax?>();
        foreach (var item in table.Items)
        {
            string name = ConfigLoader.KeyName(item.KeyValue?.Key);
            if (!items.TryAdd(name, item.KeyValue?.Value)) throw error($"'{name}' is set twice");
        }
        var form = (ScheduleForm)Enum(items, "kind", typeof(ScheduleForm), error, required: true)!;
        var per = (ScheduleUnit?)Enum(items, "per", typeof(ScheduleUnit), error, required: false) ?? ScheduleUnit.Iteration;
        foreach (string name in items.Keys.Where(k => !KeysOf[form].Contains(k)))
            throw error($"'{name}' is not a key of kind \"{ConfigEnum.NameOf(form)}\"; its keys are {string.Join(", ", KeysOf[form])}");
        return form switch
        {
            ScheduleForm.Decay => new HyperSchedule(form, per)
            {
                Factor = Number(items, "factor", error, required: true, min: 0, minExclusive: true),
                Every = (long)Number(items, "every", error, required: false, min: 1, integer: true, fallback: 1),
            },
            ScheduleForm.LinearDecay => new HyperSchedule(form, per)
            {
                Target = Number(items, "target", error, required: true, min: 0),
                Steps = (long)Number(items, "steps", error, required: true, min: 1, integer: true),
            },
            _ => new HyperSchedule(form, per) { Values = Values(items, error) },
        };
    }

    private static object? Enum(Dictionary<string, ValueSyntax?> items, string key, Type type, Func<string, ConfigException> error, bool required)
    {
        string allowed = string.Join(", ", ConfigEnum.Names(type).Select(n => $"\"{n}\""));
        if (!items.TryGetValue(key, out var syntax))
            return required ? throw error($"'{key}' is missing; it is one of {allowed}") : null;
        if (syntax is not StringValueSyntax text || !ConfigEnum.TryParse(type, text.Value ?? "", out var value))
            throw error($"'{key}' is one of {allowed}");
        return value;
    }

    private static double Number(Dictionary<string, ValueSyntax?> items, string key, Func<string, ConfigException> error, bool required,
        double min, bool minExclusive = false, bool integer = false, double fallback = double.NaN)
    {
        if (!items.TryGetValue(key, out var syntax))
            return required ? throw error($"'{key}' is missing") : fallback;
        double? value = syntax switch
        {
            IntegerValueSyntax i => i.Value,
            FloatValueSyntax f when !integer => f.Value,
            _ => null,
        };
        if (value is not { } v || !double.IsFinite(v))
            throw error($"'{key}' must be {(integer ? "an integer" : "a number")}");
        if (v < min || (minExclusive && v == min))
            throw error($"'{key}' must be {(minExclusive ? "above" : "at least")} {min}");
        return v;
    }

    private static IReadOnlyList<KeyValuePair<long, double>> Values(Dictionary<string, ValueSyntax?> items, Func<string, ConfigException> error)
    {
        if (!items.TryGetValue("values", out var syntax) || syntax is not InlineTableSyntax table || table.Items.ChildrenCount == 0)
            throw error("'values' must be an inline table of step = value pairs, such as { 0 = 0.9, 1000 = 0.99 }");
        var pairs = new SortedDictionary<long, double>();
        foreach (var item in table.Items)
        {
            string step = ConfigLoader.KeyName(item.KeyValue?.Key);
            if (!long.TryParse(step, out long n) || n < 0)
                throw error($"'values' key '{step}' must be a step count, a whole number 0 or more");
            double? value = item.KeyValue?.Value switch
            {
                IntegerValueSyntax i => i.Value,
                FloatValueSyntax f => f.Value,
                _ => null,
            };
            if (value is not { } v || !double.IsFinite(v) || v < 0)
                throw error($"'values' at step {n} must be a number, 0 or more");
            if (!pairs.TryAdd(n, v)) throw error($"'values' names step {n} twice");
        }
        return [.. pairs];
    }
}
