using System.Globalization;
using System.Text;
using System.Xml.Linq;

namespace DataPipeline.HelpBuilder;

/// <summary>A markdown help file that does not follow the fixed structure.</summary>
internal sealed class HelpFormatException(string file, int line, string message) : Exception(message)
{
    public string File { get; } = file;
    public int Line { get; } = line;
}

/// <summary>One cmdlet's help as read from docs/help/Verb-Noun.md.</summary>
internal sealed record CommandHelp(
    string Name,
    IReadOnlyList<string> Synopsis,
    IReadOnlyList<string> Description,
    IReadOnlyList<(string Title, string Code, IReadOnlyList<string> Remarks)> Examples,
    IReadOnlyList<(string Name, IReadOnlyList<string> Text)> Parameters,
    IReadOnlyList<(string Type, IReadOnlyList<string> Text)> Inputs,
    IReadOnlyList<(string Type, IReadOnlyList<string> Text)> Outputs,
    IReadOnlyList<string> Notes,
    IReadOnlyList<(string Text, string Uri)> Links);

/// <summary>
/// Reads the platyPS-like markdown (## SYNOPSIS, ## DESCRIPTION, ## EXAMPLES / ### Example N with a
/// ```powershell block, ## PARAMETERS / ### -Name, ## INPUTS, ## OUTPUTS, ## NOTES, ## RELATED LINKS)
/// and writes the MAML that PowerShell's Get-Help reads for binary cmdlets.
/// </summary>
internal static class HelpConverter
{
    private static readonly XNamespace Msh = "http://msh";
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    /// <param name="assemblyPath">The compiled module assembly, whose attributes give each cmdlet's syntax and parameter details.</param>
    /// <param name="referencePaths">The assemblies it was compiled against, so its types can be resolved.</param>
    public static IReadOnlyList<string> Build(string sourceFolder, string outputFolder, string assemblyPath, IEnumerable<string> referencePaths)
    {
        Directory.CreateDirectory(outputFolder);
        var written = new List<string>();
        // Sorted so the XML is the same on every machine (file systems list in different orders).
        var files = Directory.GetFiles(sourceFolder, "*.md").Order(StringComparer.Ordinal).ToList();

        var cmdlets = CmdletMetadataReader.Read(assemblyPath, referencePaths).ToDictionary(c => c.Name, StringComparer.OrdinalIgnoreCase);
        var commands = files.Where(f => !Path.GetFileName(f).StartsWith("about_", StringComparison.OrdinalIgnoreCase))
            .Select(f =>
            {
                var help = Parse(f, File.ReadAllLines(f));
                return cmdlets.TryGetValue(help.Name, out var cmdlet)
                    ? (help, cmdlet)
                    : throw new HelpFormatException(f, 1, $"{Path.GetFileName(assemblyPath)} has no cmdlet {help.Name}; rename the file after the cmdlet it documents, or remove it.");
            })
            .ToList();
        var maml = Path.Combine(outputFolder, Path.GetFileName(assemblyPath) + "-Help.xml");
        Write(maml, ToMaml(commands));
        written.Add(maml);

        foreach (var about in files.Where(f => Path.GetFileName(f).StartsWith("about_", StringComparison.OrdinalIgnoreCase)))
        {
            var target = Path.Combine(outputFolder, Path.GetFileNameWithoutExtension(about) + ".help.txt");
            Write(target, AboutToText(File.ReadAllLines(about)));
            written.Add(target);
        }
        return written;
    }

    /// <summary>Always writes, so the file's time tells MSBuild's incremental check that it is current.</summary>
    private static void Write(string path, string content) => File.WriteAllText(path, content, new UTF8Encoding(false));

    public static CommandHelp Parse(string file, string[] lines)
    {
        var name = Path.GetFileNameWithoutExtension(file);
        var sections = new Dictionary<string, List<(int Line, string Text)>>(StringComparer.Ordinal);
        List<(int, string)>? current = null;
        var inFence = false;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd();
            if (line.StartsWith("```", StringComparison.Ordinal)) inFence = !inFence;
            if (!inFence && line.StartsWith("## ", StringComparison.Ordinal))
            {
                var heading = line[3..].Trim().ToUpperInvariant();
                if (sections.ContainsKey(heading)) throw new HelpFormatException(file, i + 1, $"Section '## {heading}' appears twice.");
                current = [];
                sections[heading] = current;
                continue;
            }
            if (!inFence && line.StartsWith("# ", StringComparison.Ordinal))
            {
                if (line[2..].Trim() != name)
                    throw new HelpFormatException(file, i + 1, $"The title '{line[2..].Trim()}' differs from the file name '{name}'.");
                continue;
            }
            if (current is null)
            {
                if (line.Length > 0) throw new HelpFormatException(file, i + 1, "Text before the first '## ' section.");
                continue;
            }
            current.Add((i + 1, lines[i]));
        }
        if (inFence) throw new HelpFormatException(file, lines.Length, "A ``` code block is not closed.");

        var known = new[] { "SYNOPSIS", "DESCRIPTION", "EXAMPLES", "PARAMETERS", "INPUTS", "OUTPUTS", "NOTES", "RELATED LINKS" };
        foreach (var unknown in sections.Keys.Except(known))
            throw new HelpFormatException(file, sections[unknown].FirstOrDefault().Line, $"Unknown section '## {unknown}'; allowed: {string.Join(", ", known)}.");

        List<(int Line, string Text)> Required(string heading) =>
            sections.TryGetValue(heading, out var body) && Paragraphs(body).Count > 0
                ? body
                : throw new HelpFormatException(file, 1, $"The section '## {heading}' is missing or empty.");

        var examples = Subsections(file, Required("EXAMPLES")).Select(s => ToExample(file, s)).ToList();
        if (examples.Count < 2) throw new HelpFormatException(file, 1, "At least two examples (### Example N) are required.");

        var parameters = sections.TryGetValue("PARAMETERS", out var p) ? Subsections(file, p) : [];
        foreach (var (line, title, body) in parameters)
        {
            if (!title.StartsWith('-')) throw new HelpFormatException(file, line, $"A parameter heading is '### -Name', not '### {title}'.");
            if (Paragraphs(body).Count == 0) throw new HelpFormatException(file, line, $"The parameter {title} has no description.");
        }

        return new CommandHelp(
            name,
            Paragraphs(Required("SYNOPSIS")),
            Paragraphs(Required("DESCRIPTION")),
            examples,
            parameters.Select(s => (s.Title[1..], Paragraphs(s.Body))).ToList(),
            Subsections(file, Required("INPUTS")).Select(s => (s.Title, Paragraphs(s.Body))).ToList(),
            Subsections(file, Required("OUTPUTS")).Select(s => (s.Title, Paragraphs(s.Body))).ToList(),
            sections.TryGetValue("NOTES", out var notes) ? Paragraphs(notes) : [],
            Links(file, Required("RELATED LINKS")));
    }

    private static List<(int Line, string Title, List<(int Line, string Text)> Body)> Subsections(string file, List<(int Line, string Text)> body)
    {
        var result = new List<(int, string, List<(int, string)>)>();
        var inFence = false;
        foreach (var (line, text) in body)
        {
            if (text.TrimStart().StartsWith("```", StringComparison.Ordinal)) inFence = !inFence;
            if (!inFence && text.StartsWith("### ", StringComparison.Ordinal))
                result.Add((line, text[4..].Trim(), []));
            else if (result.Count > 0)
                result[^1].Item3.Add((line, text));
            else if (text.Trim().Length > 0)
                throw new HelpFormatException(file, line, "Text before the first '### ' heading of this section.");
        }
        return result;
    }

    private static (string, string, IReadOnlyList<string>) ToExample(string file, (int Line, string Title, List<(int Line, string Text)> Body) section)
    {
        if (!section.Title.StartsWith("Example ", StringComparison.Ordinal))
            throw new HelpFormatException(file, section.Line, $"An example heading is '### Example N: what it shows', not '### {section.Title}'.");
        var code = new StringBuilder();
        var remarks = new List<(int, string)>();
        var state = 0; // 0 before the code block, 1 inside it, 2 after it
        foreach (var (line, text) in section.Body)
        {
            if (text.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                if (state == 2) throw new HelpFormatException(file, line, "An example has one code block.");
                state++;
                continue;
            }
            if (state == 1) code.AppendLine(text.TrimEnd());
            else remarks.Add((line, text));
        }
        if (state != 2 || code.Length == 0)
            throw new HelpFormatException(file, section.Line, $"'{section.Title}' needs a ```powershell code block.");
        var paragraphs = Paragraphs(remarks);
        if (paragraphs.Count == 0) throw new HelpFormatException(file, section.Line, $"'{section.Title}' needs a sentence saying what it does.");
        return (section.Title, code.ToString().TrimEnd(), paragraphs);
    }

    /// <summary>Lines joined into paragraphs at blank lines; a "- " item is a paragraph of its own.</summary>
    private static IReadOnlyList<string> Paragraphs(IEnumerable<(int Line, string Text)> body)
    {
        var result = new List<string>();
        var current = new StringBuilder();
        void Flush()
        {
            if (current.Length > 0) result.Add(current.ToString());
            current.Clear();
        }
        foreach (var (_, raw) in body)
        {
            var text = raw.Trim();
            if (text.Length == 0) { Flush(); continue; }
            if (text.StartsWith("- ", StringComparison.Ordinal)) Flush();
            if (current.Length > 0) current.Append(' ');
            current.Append(text.Replace("`", "", StringComparison.Ordinal));
        }
        Flush();
        return result;
    }

    private static List<(string, string)> Links(string file, List<(int Line, string Text)> body)
    {
        var links = new List<(string, string)>();
        foreach (var (line, raw) in body)
        {
            var text = raw.Trim();
            if (text.Length == 0) continue;
            if (!text.StartsWith("- ", StringComparison.Ordinal))
                throw new HelpFormatException(file, line, "A related link is a '- Name' or '- [Name](uri)' item.");
            text = text[2..].Trim();
            var close = text.IndexOf("](", StringComparison.Ordinal);
            links.Add(text.StartsWith('[') && close > 0 && text.EndsWith(')')
                ? (text[1..close], text[(close + 2)..^1])
                : (text, ""));
        }
        return links;
    }

    private static XElement Paras(XName container, IEnumerable<string> paragraphs) =>
        new(container, paragraphs.Select(p => new XElement(Maml + "para", p)));

    /// <summary>
    /// The MAML Get-Help reads: the words from the markdown, the syntax and each parameter's
    /// type, position, pipeline input, aliases and accepted values from the assembly, so the two
    /// cannot drift apart.
    /// </summary>
    public static string ToMaml(IEnumerable<(CommandHelp Help, CmdletMetadata Cmdlet)> commands)
    {
        var root = new XElement(Msh + "helpItems", new XAttribute("schema", "maml"),
            commands.Select(pair =>
            {
                var (c, cmdlet) = pair;
                var dash = c.Name.IndexOf('-');
                var texts = c.Parameters.ToDictionary(p => p.Name, p => p.Text, StringComparer.OrdinalIgnoreCase);
                IReadOnlyList<string> Text(ParameterMetadata p) => texts.TryGetValue(p.Name, out var t) ? t : [];
                // The markdown's order (the author's: most used first), then any it does not mention.
                var documented = c.Parameters.Select(p => cmdlet.Parameters.FirstOrDefault(m => string.Equals(m.Name, p.Name, StringComparison.OrdinalIgnoreCase)))
                    .OfType<ParameterMetadata>().ToList();
                var ordered = documented.Concat(cmdlet.Parameters.Except(documented)).ToList();
                return new XElement(Command + "command",
                    new XAttribute(XNamespace.Xmlns + "maml", Maml),
                    new XAttribute(XNamespace.Xmlns + "command", Command),
                    new XAttribute(XNamespace.Xmlns + "dev", Dev),
                    new XElement(Command + "details",
                        new XElement(Command + "name", c.Name),
                        new XElement(Command + "verb", c.Name[..dash]),
                        new XElement(Command + "noun", c.Name[(dash + 1)..]),
                        Paras(Maml + "description", c.Synopsis)),
                    Paras(Maml + "description", c.Description),
                    new XElement(Command + "syntax", cmdlet.ParameterSets().Select(set =>
                        new XElement(Command + "syntaxItem",
                            new XElement(Maml + "name", c.Name),
                            set.Parameters.Select(m => ParameterElement(m.Parameter, [m.Use], Text(m.Parameter), inSyntax: true))))),
                    new XElement(Command + "parameters", ordered.Select(p => ParameterElement(p, p.Sets, Text(p), inSyntax: false))),
                    new XElement(Command + "inputTypes", Inputs(c, cmdlet).Select(i => TypeEntry("inputType", i))),
                    new XElement(Command + "returnValues", Outputs(c, cmdlet).Select(o => TypeEntry("returnValue", o))),
                    c.Notes.Count == 0 ? null : new XElement(Maml + "alertSet", new XElement(Maml + "alert", c.Notes.Select(n => new XElement(Maml + "para", n)))),
                    new XElement(Command + "examples", c.Examples.Select((e, n) =>
                        new XElement(Command + "example",
                            new XElement(Maml + "title", $"---------- {e.Title} ----------"),
                            new XElement(Dev + "code", e.Code),
                            Paras(Dev + "remarks", e.Remarks)))),
                    new XElement(Command + "relatedLinks", c.Links.Select(l =>
                        new XElement(Maml + "navigationLink",
                            new XElement(Maml + "linkText", l.Text),
                            new XElement(Maml + "uri", l.Uri)))));
            }));
        return new XDocument(new XDeclaration("1.0", "utf-8", null), root).Declaration + "\n" + root + "\n";
    }

    /// <summary>
    /// A parameter as platyPS writes it, which is what Get-Help's views expect: in a syntax item
    /// for one set, or in the parameter list summarised over all its sets (required only where
    /// every set requires it, a position only where every set agrees on it).
    /// </summary>
    private static XElement ParameterElement(ParameterMetadata p, IReadOnlyList<ParameterSetUse> uses, IReadOnlyList<string> text, bool inSyntax)
    {
        var required = uses.All(u => u.Mandatory);
        var positions = uses.Select(u => u.Position).Distinct().ToList();
        var position = positions is [int only] ? only.ToString(CultureInfo.InvariantCulture) : "named";
        var pipeline = new[] { uses.Any(u => u.ByPropertyName) ? "ByPropertyName" : null, uses.Any(u => u.ByValue) ? "ByValue" : null }.OfType<string>().ToList();
        // Get-Help -Parameter shows neither a range nor a set of values, so the description says
        // them, unless it already does in its own words.
        var description = text.ToList();
        if (p.Range is not null && !text.Any(t => t.Contains(p.Range, StringComparison.Ordinal)))
            description.Add($"Accepted range: {p.Range}.");
        if (p.AcceptedValues.Count > 0 && !p.AcceptedValues.All(v => text.Any(t => t.Contains(v, StringComparison.OrdinalIgnoreCase))))
            description.Add($"Accepted values: {string.Join(", ", p.AcceptedValues)}.");
        var acceptedValues = p.AcceptedValues.Count == 0 ? null
            : new XElement(Command + "parameterValueGroup", p.AcceptedValues.Select(v =>
                new XElement(Command + "parameterValue", new XAttribute("required", "false"), new XAttribute(Command + "variableLength", "false"), v)));
        var value = new XElement(Command + "parameterValue",
            new XAttribute("required", p.IsSwitch ? "false" : "true"), new XAttribute("variableLength", "false"), p.TypeName);
        return new XElement(Command + "parameter",
            new XAttribute("required", required ? "true" : "false"),
            new XAttribute("variableLength", "true"),
            new XAttribute("globbing", p.Globbing ? "true" : "false"),
            new XAttribute("pipelineInput", pipeline.Count == 0 ? "False" : $"True ({string.Join(", ", pipeline)})"),
            new XAttribute("position", position),
            new XAttribute("aliases", p.Aliases.Count == 0 ? "none" : string.Join(", ", p.Aliases)),
            new XElement(Maml + "name", p.Name),
            Paras(Maml + "description", description),
            acceptedValues,
            // A switch takes no value on the command line, so its syntax shows none.
            inSyntax && (p.IsSwitch || acceptedValues is not null) ? null : value,
            inSyntax ? null : new XElement(Dev + "type", new XElement(Maml + "name", p.TypeName), new XElement(Maml + "uri")),
            inSyntax ? null : new XElement(Dev + "defaultValue", DefaultValue(text)));
    }

    /// <summary>
    /// The docs give a parameter's default in a sentence "Default: ..." (often a config key);
    /// Get-Help shows it on a line of its own.
    /// </summary>
    private static string DefaultValue(IReadOnlyList<string> text)
    {
        const string lead = "Default: ";
        foreach (var paragraph in text)
        {
            var at = paragraph.IndexOf(lead, StringComparison.Ordinal);
            if (at < 0) continue;
            var sentence = paragraph[(at + lead.Length)..];
            // The sentence ends at a full stop before a space; "0.03" keeps its point.
            var end = sentence.IndexOf(". ", StringComparison.Ordinal);
            return (end < 0 ? sentence : sentence[..end]).Trim().TrimEnd('.');
        }
        return "None";
    }

    /// <summary>
    /// The markdown's input entries, plus an entry for each type a parameter takes from the
    /// pipeline that they do not name, so a new pipeline parameter cannot go unmentioned.
    /// </summary>
    private static IEnumerable<(string Type, IReadOnlyList<string> Text)> Inputs(CommandHelp help, CmdletMetadata cmdlet)
    {
        var named = NamedTypes(help.Inputs);
        var missing = cmdlet.Parameters
            .SelectMany(p => p.Sets.Where(s => s.ByValue || s.ByPropertyName).Select(s => (p, s.ByValue)))
            .GroupBy(x => x.p.PipelineTypeName)
            // A parameter typed PSObject or Object accepts anything; the markdown says what makes sense.
            .Where(g => !Names(named, g.Key) && !(named.Count > 0 && g.Key is "System.Management.Automation.PSObject" or "System.Object"))
            .Select(g => (g.Key, (IReadOnlyList<string>)[string.Join(" ", g.DistinctBy(x => (x.p.Name, x.ByValue))
                .Select(x => $"Bound to -{x.p.Name} {(x.ByValue ? "from the pipeline" : "from a pipeline object's property of that name")}."))]));
        return help.Inputs.Concat(missing);
    }

    /// <summary>The markdown's output entries, plus each [OutputType] they do not name.</summary>
    private static IEnumerable<(string Type, IReadOnlyList<string> Text)> Outputs(CommandHelp help, CmdletMetadata cmdlet)
    {
        var named = NamedTypes(help.Outputs);
        return help.Outputs.Concat(cmdlet.OutputTypes.Where(t => !Names(named, t))
            .Select(t => (t, (IReadOnlyList<string>)[$"{help.Name} writes {t} objects."])));
    }

    /// <summary>The types an entry heading names: "System.String, System.IO.FileInfo or None".</summary>
    private static List<string> NamedTypes(IEnumerable<(string Type, IReadOnlyList<string> Text)> entries) =>
        entries.SelectMany(e => e.Type.Replace(" or ", ",", StringComparison.Ordinal).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();

    /// <summary>Whether a heading names the type by its full name or, as people also write, by its short one.</summary>
    private static bool Names(List<string> named, string fullName) =>
        named.Any(n => string.Equals(n, fullName, StringComparison.OrdinalIgnoreCase)
            || string.Equals(n, fullName[(fullName.LastIndexOf('.') + 1)..], StringComparison.OrdinalIgnoreCase));

    private static XElement TypeEntry(string element, (string Type, IReadOnlyList<string> Text) entry) =>
        new(Command + element,
            new XElement(Dev + "type", new XElement(Maml + "name", entry.Type)),
            Paras(Maml + "description", entry.Text));

    /// <summary>
    /// Markdown to the plain text of an about_ topic: headings become capitals, code blocks are
    /// indented, everything else stays as written (it is already meant to be read as text).
    /// </summary>
    public static string AboutToText(string[] lines)
    {
        var text = new StringBuilder();
        var inFence = false;
        foreach (var raw in lines)
        {
            var line = raw.TrimEnd();
            if (line.StartsWith("```", StringComparison.Ordinal)) { inFence = !inFence; continue; }
            if (inFence) text.AppendLine(line.Length == 0 ? "" : "    " + line);
            else if (line.StartsWith('#')) text.AppendLine(line.TrimStart('#').Trim().ToUpperInvariant());
            else text.AppendLine(line.Replace("`", "", StringComparison.Ordinal));
        }
        return text.ToString();
    }
}
