using System.IO.Compression;
using System.Xml.Linq;
using Xunit;

namespace DataPipeline.Tests.Pipeline;

/// <summary>
/// The .nupkg that build.ps1 -Task Package made (CI packs before it tests): what Install-PSResource
/// reads from the nuspec, the layout Publish-PSResource would give, and that the module it installs
/// imports and works beside another module's older Tomlyn.
/// </summary>
public class ModulePackageTests
{
    private static readonly XNamespace Nuspec = "http://schemas.microsoft.com/packaging/2011/08/nuspec.xsd";

    [Fact]
    public void NuspecCarriesTheManifestsGalleryMetadata()
    {
        using var session = new ModuleSession();
        var module = session.Ok($"Test-ModuleManifest '{SharedPaths.ModuleManifest}'")[0];
        var cmdlets = ((System.Collections.IDictionary)module.Properties["ExportedCmdlets"].Value).Keys.Cast<string>().ToList();
        Assert.NotEmpty(cmdlets);

        using var package = ZipFile.OpenRead(Pwsh.Package);
        var metadata = ReadNuspec(package).Root!.Element(Nuspec + "metadata")!;
        string Field(string name) => metadata.Element(Nuspec + name)?.Value ?? throw new Xunit.Sdk.XunitException($"The nuspec lacks <{name}>.");

        Assert.Equal("DataPipeline", Field("id"));
        Assert.Equal(module.Properties["Version"].Value.ToString(), Field("version"));
        Assert.Equal($"DataPipeline.{Field("version")}.nupkg", Path.GetFileName(Pwsh.Package));
        Assert.Equal((string)module.Properties["Author"].Value, Field("authors"));
        Assert.Equal((string)module.Properties["Description"].Value, Field("description"));
        Assert.Equal("MIT", Field("license"));
        Assert.Equal("expression", metadata.Element(Nuspec + "license")!.Attribute("type")?.Value);

        var tags = Field("tags").Split(' ');
        Assert.Contains("PSModule", tags);
        Assert.Contains("PSIncludes_Cmdlet", tags);
        Assert.Contains("PSEdition_Core", tags);
        foreach (var cmdlet in cmdlets) Assert.Contains($"PSCmdlet_{cmdlet}", tags);
        Assert.Equal(cmdlets.Count, tags.Count(t => t.StartsWith("PSCmdlet_", StringComparison.Ordinal)));
        foreach (var cmdlet in cmdlets) Assert.Contains($"PSCommand_{cmdlet}", tags);

        // PSResourceGet reads a local package's tags from the manifest inside it (Find-PSResource
        // -CommandName): the packed manifest carries the nuspec's tags, in the same order.
        var packedManifest = Path.Combine(Directory.CreateTempSubdirectory("dp-manifest-").FullName, "DataPipeline.psd1");
        package.GetEntry("DataPipeline.psd1")!.ExtractToFile(packedManifest);
        var packed = Pwsh.Command($"(Import-PowerShellDataFile {Pwsh.Quote(packedManifest)}).PrivateData.PSData.Tags", import: false);
        Assert.True(packed.ExitCode == 0, packed.Report);
        Assert.Equal(tags, packed.Lines);
        Directory.Delete(Path.GetDirectoryName(packedManifest)!, recursive: true);
    }

    [Fact]
    public void PackageHoldsTheModuleAtItsRootAndTheEngineInDependencies()
    {
        using var package = ZipFile.OpenRead(Pwsh.Package);
        var entries = package.Entries.Select(e => e.FullName).ToHashSet();

        foreach (var root in new[] { "DataPipeline.nuspec", "DataPipeline.psd1", "DataPipeline.PowerShell.dll", "DataPipeline.Isolation.dll",
                                     "DataPipeline.format.ps1xml", "en-US/DataPipeline.PowerShell.dll-Help.xml", "[Content_Types].xml", "_rels/.rels" })
        {
            Assert.Contains(root, entries);
        }
        foreach (var dependency in new[] { "DataPipeline.Engine.dll", "TorchSharp.dll", "Tomlyn.dll", "ScottPlot.dll", "PureHDF.dll", "SkiaSharp.dll" })
        {
            Assert.Contains($"Dependencies/{dependency}", entries);
            Assert.DoesNotContain(dependency, entries);
        }
        // Every staged file is in the package, byte for byte in size.
        var staged = Directory.GetFiles(Pwsh.StagedModule, "*", SearchOption.AllDirectories);
        foreach (var file in staged)
        {
            var entry = package.GetEntry(Path.GetRelativePath(Pwsh.StagedModule, file).Replace('\\', '/'));
            Assert.True(entry is not null, $"{file} is not in the package.");
            Assert.Equal(new FileInfo(file).Length, entry.Length);
        }

        // The package relationship names the nuspec, as NuGet's readers expect.
        using var rels = new StreamReader(package.GetEntry("_rels/.rels")!.Open());
        var relationships = XDocument.Parse(rels.ReadToEnd()).Root!.Elements().ToList();
        Assert.Contains(relationships, r => (string?)r.Attribute("Target") == "/DataPipeline.nuspec"
                                            && (string?)r.Attribute("Type") == "http://schemas.microsoft.com/packaging/2010/07/manifest");
        var properties = relationships.Single(r => ((string?)r.Attribute("Type"))!.EndsWith("/core-properties", StringComparison.Ordinal));
        Assert.Contains(((string)properties.Attribute("Target")!).TrimStart('/'), entries);
    }

    [Fact]
    public void InstalledPackageImportsAndRunsBesideAnOlderTomlyn()
    {
        string version;
        using (var package = ZipFile.OpenRead(Pwsh.Package))
        {
            version = ReadNuspec(package).Root!.Element(Nuspec + "metadata")!.Element(Nuspec + "version")!.Value;
        }
        var modules = Directory.CreateTempSubdirectory("dp-install-").FullName;
        var installed = Path.Combine(modules, "DataPipeline", version);
        try
        {
            // As Install-PSResource installs it: the package's files less NuGet's own parts.
            using (var package = ZipFile.OpenRead(Pwsh.Package))
            {
                foreach (var entry in package.Entries.Where(e => !IsNuGetPart(e.FullName)))
                {
                    var target = Path.Combine(installed, entry.FullName);
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    entry.ExtractToFile(target);
                }
            }
            Assert.False(File.Exists(Path.Combine(installed, "DataPipeline.Engine.dll")));
            File.Copy(SharedPaths.SmallConfig, Path.Combine(modules, "small.toml"));

            var result = CoexistenceTests.RunBesideOlderTomlyn(Path.Combine(installed, "DataPipeline.psd1"), modules);

            Assert.True(result.ExitCode == 0, result.Report);
            CoexistenceTests.AssertIsolated(result, Path.Combine(installed, "Dependencies"));
            CoexistenceTests.AssertSameModelAndPreview(result, modules);
        }
        finally
        {
            Directory.Delete(modules, recursive: true);
        }
    }

    private static bool IsNuGetPart(string entry) =>
        entry is "[Content_Types].xml" or "DataPipeline.nuspec" || entry.StartsWith("_rels/", StringComparison.Ordinal)
        || entry.StartsWith("package/", StringComparison.Ordinal);

    private static XDocument ReadNuspec(ZipArchive package)
    {
        using var stream = (package.GetEntry("DataPipeline.nuspec") ?? throw new Xunit.Sdk.XunitException("The package has no DataPipeline.nuspec at its root.")).Open();
        return XDocument.Load(stream);
    }
}
