using DataPipeline.Tests.Host;
using Xunit;

namespace DataPipeline.Tests.Pipeline;

/// <summary>
/// Every exported cmdlet is documented through Get-Help, as a user of the built module sees it:
/// the MAML generated from docs/help must reach the module folder and cover every parameter.
/// </summary>
public sealed class HelpTests : IDisposable
{
    private readonly ModuleSession _session = new();

    public void Dispose() => _session.Dispose();

    [Fact]
    public void EveryExportedCmdletHasFullHelpForEveryParameter()
    {
        // The checks run in the session so they see exactly what Get-Help shows; each gap becomes
        // one line, so a failure lists every missing piece at once.
        var problems = _session.Ok("""
            $common = [System.Collections.Generic.HashSet[string]]::new([System.Management.Automation.Cmdlet]::CommonParameters)
            $common.UnionWith([System.Management.Automation.Cmdlet]::OptionalCommonParameters)
            $names = (Get-Module DataPipeline).ExportedCmdlets.Keys
            if (@($names).Count -lt 17) { "only $(@($names).Count) cmdlets exported" }
            foreach ($name in $names) {
                $help = Get-Help $name -Full
                if ([string]::IsNullOrWhiteSpace($help.Synopsis) -or $help.Synopsis -match '^\s*' + $name + '\s') { "${name}: no synopsis" }
                if ([string]::IsNullOrWhiteSpace((@($help.description).Text -join ''))) { "${name}: no description" }
                $examples = @($help.examples.example)
                if ($examples.Count -lt 2) { "${name}: $($examples.Count) examples" }
                foreach ($example in $examples) {
                    if ([string]::IsNullOrWhiteSpace($example.code)) { "${name}: an example without code" }
                    if ([string]::IsNullOrWhiteSpace((@($example.remarks).Text -join ''))) { "${name}: an example without remarks" }
                }
                if (-not $help.inputTypes) { "${name}: no inputs" }
                if (-not $help.returnValues) { "${name}: no outputs" }
                if (@($help.relatedLinks.navigationLink).Count -lt 1) { "${name}: no related links" }
                $documented = @{}
                foreach ($parameter in @($help.parameters.parameter)) {
                    if ($null -ne $parameter -and -not [string]::IsNullOrWhiteSpace((@($parameter.description).Text -join ''))) {
                        $documented[$parameter.name] = $true
                    }
                }
                $declared = (Get-Command $name).Parameters.Keys
                foreach ($parameter in $declared) {
                    if (-not $common.Contains($parameter) -and -not $documented.ContainsKey($parameter)) { "${name}: -$parameter undocumented" }
                }
                foreach ($parameter in $documented.Keys) {
                    if (-not (@($declared) -contains $parameter)) { "${name}: documents -$parameter, which it does not have" }
                }
            }
            """).Select(o => o.ToString()).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void AboutTopicWalksThroughAStudy()
    {
        var text = string.Join("\n", _session.Ok("Get-Help about_DataPipeline").Select(o => o.ToString()));
        foreach (var step in new[] { "New-SyntheticFrame", "Import-MatDataset", "Invoke-UNetTraining", "Measure-Localization", "Export-MatFile" })
            Assert.Contains(step, text);
    }

    [Fact]
    public void DpshShowsHelpFromItsOwnModuleFolder()
    {
        var result = DpshProcess.Run("-Command", "Get-Help Import-MatDataset -Parameter DataVariable");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("low_res.das", result.Stdout);
    }
}
