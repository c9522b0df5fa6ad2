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

    public static IReadOnlyList<string> Build(string sourceFolder, string outputFolder, string assemblyFileName)
    {
        Directory.CreateDirectory(outputFolder);
        var written = new List<string>();
        // Sorted so the XML is the same on every machine (file systems list in different orders).
        var files = Directory.GetFiles(sourceFolder, "*.md").Order(StringComparer.Ordinal).ToList();

        var commands = files.Where(f => !Path.GetFileName(f).StartsWith("about_", StringComparison.OrdinalIgnoreCase))
            .Select(f => Parse(f, File.ReadAllLines(f)))
            .ToList();
        var maml = Path.Combine(outputFolder, assemblyFileName + "-Help.xml");
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

    public static string ToMaml(IEnumerable<CommandHelp> commands)
    {
        var root = new XElement(Msh + "helpItems", new XAttribute("schema", "maml"),
            commands.Select(c =>
            {
                var dash = c.Name.IndexOf('-');
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
                    new XElement(Command + "parameters", c.Parameters.Select(p =>
                        new XElement(Command + "parameter",
                            new XElement(Maml + "name", p.Name),
                            Paras(Maml + "description", p.Text)))),
                    new XElement(Command + "inputTypes", c.Inputs.Select(i => TypeEntry("inputType", i))),
                    new XElement(Command + "returnValues", c.Outputs.Select(o => TypeEntry("returnValue", o))),
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
