using System.Xml.Linq;
using DataPipeline.HelpBuilder;
using Xunit;

namespace DataPipeline.Tests.Help;

/// <summary>The markdown-to-MAML converter: what it writes, and the mistakes it stops the build for.</summary>
public sealed class HelpConverterTests
{
    private const string Valid = """
        # New-Thing

        ## SYNOPSIS
        Makes a thing.

        ## DESCRIPTION
        First paragraph
        continues here.

        Second paragraph.

        ## EXAMPLES

        ### Example 1: One
        ```powershell
        New-Thing -Size 3
        ```

        Makes a small thing.

        ### Example 2: Two
        ```powershell
        New-Thing |
            Export-Thing
        ```

        Makes and exports one.

        ## PARAMETERS

        ### -Size
        How big.

        ## INPUTS

        ### None
        Nothing.

        ## OUTPUTS

        ### Thing
        The thing.

        ## RELATED LINKS
        - Export-Thing
        - [Online](https://example.org/thing)
        """;

    private static CommandHelp Parse(string text) => HelpConverter.Parse("/docs/New-Thing.md", text.Split('\n'));

    [Fact]
    public void WritesMamlThatGetHelpReads()
    {
        var help = Parse(Valid);
        Assert.Equal(["First paragraph continues here.", "Second paragraph."], help.Description);
        var xml = XDocument.Parse(HelpConverter.ToMaml([help]));
        XNamespace command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
        XNamespace maml = "http://schemas.microsoft.com/maml/2004/10";
        XNamespace dev = "http://schemas.microsoft.com/maml/dev/2004/10";
        var cmd = Assert.Single(xml.Root!.Elements(command + "command"));
        Assert.Equal("New", cmd.Element(command + "details")!.Element(command + "verb")!.Value);
        Assert.Equal("Size", cmd.Descendants(command + "parameter").Single().Element(maml + "name")!.Value);
        Assert.Equal("New-Thing |\n    Export-Thing", cmd.Descendants(dev + "code").Last().Value);
        Assert.Equal("https://example.org/thing", cmd.Descendants(maml + "uri").Last().Value);
    }

    [Theory]
    [InlineData("### Example 2: Two", "### Sample", "An example heading is")]
    [InlineData("### Example 2: Two\n```powershell\nNew-Thing |\n    Export-Thing\n```\n\nMakes and exports one.", "", "At least two examples")]
    [InlineData("How big.", "", "The parameter -Size has no description")]
    [InlineData("## SYNOPSIS\nMakes a thing.", "## SYNOPSIS", "'## SYNOPSIS' is missing or empty")]
    [InlineData("# New-Thing", "# New-Other", "differs from the file name")]
    [InlineData("## INPUTS", "## INPUT", "Unknown section '## INPUT'")]
    public void RejectsMarkdownOutsideTheStructure(string from, string to, string message)
    {
        var e = Assert.Throws<HelpFormatException>(() => Parse(Valid.Replace(from, to)));
        Assert.Contains(message, e.Message);
        Assert.Equal("/docs/New-Thing.md", e.File);
    }

    [Fact]
    public void AboutTopicBecomesPlainText()
    {
        string text = HelpConverter.AboutToText(["# about_X", "", "Run `this`:", "```powershell", "Get-Thing", "```"]);
        Assert.Equal("ABOUT_X\n\nRun this:\n    Get-Thing\n", text.Replace("\r\n", "\n"));
    }
}
