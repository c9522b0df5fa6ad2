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

    private static readonly CmdletMetadata Thing = new("New-Thing", "BySize",
        [
            new ParameterMetadata("Shape", "String", "System.String", false, ["Form"], ["Round", "Square"], null, false,
                [new ParameterSetUse(CmdletMetadata.AllSets, false, 0, true, true)]),
            new ParameterMetadata("Size", "Int32", "System.Int32", false, [], [], "1 to 10", false,
                [new ParameterSetUse("BySize", true, null, false, false)]),
            new ParameterMetadata("Auto", "SwitchParameter", "System.Management.Automation.SwitchParameter", true, [], [], null, false,
                [new ParameterSetUse("Automatic", true, null, false, false)]),
        ],
        ["Thing", "System.IO.FileInfo"]);

    private static XElement Maml(CommandHelp help) =>
        Assert.Single(XDocument.Parse(HelpConverter.ToMaml([(help, Thing)])).Root!.Elements(CommandNs + "command"));

    private static readonly XNamespace CommandNs = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace MamlNs = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace DevNs = "http://schemas.microsoft.com/maml/dev/2004/10";

    [Fact]
    public void WritesMamlThatGetHelpReads()
    {
        var help = Parse(Valid);
        Assert.Equal(["First paragraph continues here.", "Second paragraph."], help.Description);
        var cmd = Maml(help);
        Assert.Equal("New", cmd.Element(CommandNs + "details")!.Element(CommandNs + "verb")!.Value);
        Assert.Equal("New-Thing |\n    Export-Thing", cmd.Descendants(DevNs + "code").Last().Value);
        Assert.Equal("https://example.org/thing", cmd.Descendants(MamlNs + "uri").Last().Value);
    }

    [Fact]
    public void SyntaxHasOneItemPerParameterSetWithTheDefaultFirst()
    {
        var items = Maml(Parse(Valid)).Element(CommandNs + "syntax")!.Elements(CommandNs + "syntaxItem")
            .Select(i => i.Elements(CommandNs + "parameter").Select(p => (
                Name: p.Element(MamlNs + "name")!.Value,
                Required: p.Attribute("required")!.Value,
                Position: p.Attribute("position")!.Value,
                Value: p.Element(CommandNs + "parameterValue")?.Value,
                Accepted: string.Join("|", p.Descendants(CommandNs + "parameterValueGroup").Elements().Select(v => v.Value)))).ToList())
            .ToList();
        // -Shape belongs to every set; a positional parameter comes first, then mandatory ones.
        Assert.Equal([("Shape", "false", "0", null, "Round|Square"), ("Size", "true", "named", "Int32", "")], items[0]);
        Assert.Equal([("Shape", "false", "0", null, "Round|Square"), ("Auto", "true", "named", null, "")], items[1]);
    }

    [Fact]
    public void ParameterDetailsComeFromTheAssemblyAndTheTextFromTheMarkdown()
    {
        var help = Parse(Valid.Replace("How big.", "How big. Default: 3.5. Larger is slower."));
        var parameters = Maml(help).Element(CommandNs + "parameters")!.Elements(CommandNs + "parameter").ToList();
        // The markdown's parameter first (its author's order), then those it does not mention.
        Assert.Equal(["Size", "Shape", "Auto"], parameters.Select(p => p.Element(MamlNs + "name")!.Value));
        var size = parameters[0];
        Assert.Equal(["How big. Default: 3.5. Larger is slower.", "Accepted range: 1 to 10."], size.Element(MamlNs + "description")!.Elements().Select(e => e.Value));
        Assert.Equal("Int32", size.Element(DevNs + "type")!.Element(MamlNs + "name")!.Value);
        Assert.Equal("3.5", size.Element(DevNs + "defaultValue")!.Value);
        Assert.Equal("False", size.Attribute("pipelineInput")!.Value);
        var shape = parameters[1];
        Assert.Equal("True (ByPropertyName, ByValue)", shape.Attribute("pipelineInput")!.Value);
        Assert.Equal("Form", shape.Attribute("aliases")!.Value);
        Assert.Equal("None", shape.Element(DevNs + "defaultValue")!.Value);
        Assert.Equal("SwitchParameter", parameters[2].Element(CommandNs + "parameterValue")!.Value);
        Assert.Equal("false", parameters[2].Element(CommandNs + "parameterValue")!.Attribute("required")!.Value);
    }

    [Fact]
    public void InputsAndOutputsAddWhatTheAssemblyDeclaresAndTheMarkdownLeavesOut()
    {
        string TypeNames(XElement cmd, string list) =>
            string.Join("; ", cmd.Element(CommandNs + list)!.Descendants(DevNs + "type").Select(t => t.Value));
        var cmd = Maml(Parse(Valid));
        // "None" names no pipeline type; [OutputType] FileInfo is missing from the markdown, Thing is in it.
        Assert.Equal("None; System.String", TypeNames(cmd, "inputTypes"));
        Assert.Equal("Thing; System.IO.FileInfo", TypeNames(cmd, "returnValues"));
        cmd = Maml(Parse(Valid.Replace("### None", "### String")));
        Assert.Equal("String", TypeNames(cmd, "inputTypes"));
    }

    // The module assembly in this test's output folder, read as the build reads it, against the
    // assemblies beside it and the running framework's.
    private static readonly string ModuleAssembly = Path.Combine(AppContext.BaseDirectory, "DataPipeline.PowerShell.dll");

    private static IEnumerable<string> References => Directory.GetFiles(AppContext.BaseDirectory, "*.dll")
        .Append(typeof(System.Management.Automation.Cmdlet).Assembly.Location)
        .Concat(Directory.GetFiles(System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory(), "*.dll"));

    [Fact]
    public void ReadsTheCmdletsOfTheBuiltModuleAssembly()
    {
        var cmdlets = CmdletMetadataReader.Read(ModuleAssembly, References).ToDictionary(c => c.Name);

        var batches = cmdlets["New-BatchGenerator"];
        var batchSize = batches.Parameters.Single(p => p.Name == "BatchSize");
        Assert.Equal(("Int32", false, "1 to 65536"), (batchSize.TypeName, batchSize.IsSwitch, batchSize.Range));
        // Optional since -Path can stand in for piped frames.
        Assert.Equal([new ParameterSetUse(CmdletMetadata.AllSets, false, 0, true, false)], batches.Parameters.Single(p => p.Name == "InputObject").Sets);
        Assert.Equal(["DataPipeline.Engine.Batching.BatchGenerator"], batches.OutputTypes);
        Assert.True(batches.Parameters.Single(p => p.Name == "Flip").IsSwitch);

        var import = cmdlets["Import-MatDataset"];
        Assert.Equal(["None", "Sum", "Mean", "Max"], import.Parameters.Single(p => p.Name == "Reduce").AcceptedValues, StringComparer.OrdinalIgnoreCase);

        var prediction = cmdlets["Invoke-UNetPrediction"];
        Assert.Equal(prediction.DefaultSetName, prediction.ParameterSets()[0].Name);
        Assert.Equal(2, prediction.ParameterSets().Count);
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
    public void StopsTheBuildForHelpOfACmdletTheAssemblyLacks()
    {
        var folder = Directory.CreateTempSubdirectory("dp-help-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "New-Thing.md"), Valid);
            var e = Assert.Throws<HelpFormatException>(() => HelpConverter.Build(folder, Path.Combine(folder, "out"), ModuleAssembly, References));
            Assert.Contains("has no cmdlet New-Thing", e.Message);
            Assert.EndsWith("New-Thing.md", e.File);

            // The real help of a real cmdlet goes through, to a file named after the assembly.
            File.Delete(Path.Combine(folder, "New-Thing.md"));
            File.Copy(Path.Combine(SharedPaths.RepositoryRoot, "docs", "help", "Get-Batch.md"), Path.Combine(folder, "Get-Batch.md"));
            var written = Assert.Single(HelpConverter.Build(folder, Path.Combine(folder, "out"), ModuleAssembly, References));
            Assert.Equal("DataPipeline.PowerShell.dll-Help.xml", Path.GetFileName(written));
            var command = Assert.Single(XDocument.Load(written).Root!.Elements(CommandNs + "command"));
            Assert.NotEmpty(command.Element(CommandNs + "syntax")!.Elements(CommandNs + "syntaxItem"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void AboutTopicBecomesPlainText()
    {
        string text = HelpConverter.AboutToText(["# about_X", "", "Run `this`:", "```powershell", "Get-Thing", "```"]);
        Assert.Equal("ABOUT_X\n\nRun this:\n    Get-Thing\n", text.Replace("\r\n", "\n"));
    }
}
