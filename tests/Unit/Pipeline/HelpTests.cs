using System.Management.Automation;
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
                # The types the cmdlet takes from the pipeline and declares it writes are all named.
                $inputs = @($help.inputTypes.inputType).ForEach({ $_.type.name -split ', | or ' })
                $outputs = @($help.returnValues.returnValue).ForEach({ $_.type.name -split ', | or ' })
                foreach ($parameter in (Get-Command $name).Parameters.Values) {
                    if (-not @($parameter.ParameterSets.Values).Where({ $_.ValueFromPipeline }).Count) { continue }
                    $type = if ($parameter.ParameterType.IsArray) { $parameter.ParameterType.GetElementType() } else { $parameter.ParameterType }
                    if ($type -in [System.Management.Automation.PSObject], [object]) { continue }
                    if ($type.FullName -notin $inputs -and $type.Name -notin $inputs) { "${name}: input $($type.FullName) (-$($parameter.Name)) not in INPUTS" }
                }
                foreach ($output in (Get-Command $name).OutputType) {
                    if ($output.Name -notin $outputs) { "${name}: output $($output.Name) not in OUTPUTS" }
                }
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
    public void FullHelpShowsTheSyntaxOfEveryParameterSet()
    {
        // PowerShell's own view of each parameter set (Get-Command) against the SYNTAX that Get-Help
        // shows: one item per set, with the same parameters, each as mandatory, as positioned and of
        // the same type.
        var problems = _session.Ok("""
            $common = [System.Collections.Generic.HashSet[string]]::new([System.Management.Automation.Cmdlet]::CommonParameters)
            $common.UnionWith([System.Management.Automation.Cmdlet]::OptionalCommonParameters)
            function Signature($parameters) {
                [string[]]$entries = @($parameters).ForEach({ "$($_.Name):$($_.Required):$($_.Position):$($_.Type)" })
                [Array]::Sort($entries, [StringComparer]::Ordinal)
                $entries -join ' '
            }
            foreach ($name in (Get-Module DataPipeline).ExportedCmdlets.Keys) {
                $items = @((Get-Help $name -Full).syntax.syntaxItem)
                $sets = (Get-Command $name).ParameterSets
                if ($items.Count -ne $sets.Count) { "${name}: $($items.Count) syntax items for $($sets.Count) parameter sets" }
                $shown = $items.ForEach({
                    $list = @($_.parameter).ForEach({
                        $type = if ($_.parameterValue) { $_.parameterValue.ToString() } elseif ($_.parameterValueGroup) { 'set' } else { 'switch' }
                        [pscustomobject]@{ Name = $_.name; Required = $_.required -eq 'true'; Position = $_.position; Type = $type }
                    })
                    Signature $list
                })
                foreach ($set in $sets) {
                    $list = @($set.Parameters).Where({ -not $common.Contains($_.Name) }).ForEach({
                        $t = $_.ParameterType
                        $t = if ([Nullable]::GetUnderlyingType($t)) { [Nullable]::GetUnderlyingType($t) } else { $t }
                        # An array of an enum (Export-TrainingHistory -Format) lists its values as one too.
                        $element = if ($t.IsArray) { $t.GetElementType() } else { $t }
                        $type = if ($t -eq [switch]) { 'switch' } elseif ($element.IsEnum -or $_.Attributes.Where({ $_ -is [System.Management.Automation.ValidateSetAttribute] })) { 'set' } else { $t.Name }
                        [pscustomobject]@{ Name = $_.Name; Required = $_.IsMandatory; Position = if ($_.Position -lt 0) { 'named' } else { "$($_.Position)" }; Type = $type }
                    })
                    $expected = Signature $list
                    if ($expected -notin $shown) { "${name}: set $($set.Name) is not in SYNTAX: $expected" }
                }
            }
            """).Select(o => o.ToString()).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void ParameterHelpGivesTypeRequiredPositionPipelineInputAliasesAndAcceptedValues()
    {
        // Each documented parameter's details against the cmdlet's metadata as PowerShell reads it:
        // required only if every set requires it, a position only if every set agrees.
        var problems = _session.Ok("""
            foreach ($name in (Get-Module DataPipeline).ExportedCmdlets.Keys) {
                $metadata = (Get-Command $name).Parameters
                foreach ($help in @((Get-Help $name -Full).parameters.parameter)) {
                    $parameter = $metadata[$help.name]
                    if ($null -eq $parameter) { continue }
                    $sets = @($parameter.ParameterSets.Values)
                    $t = $parameter.ParameterType
                    $t = if ([Nullable]::GetUnderlyingType($t)) { [Nullable]::GetUnderlyingType($t) } else { $t }
                    $positions = @([System.Collections.Generic.HashSet[int]]::new([int[]]$sets.ForEach({ $_.Position })))
                    $pipeline = @(if ($sets.Where({ $_.ValueFromPipelineByPropertyName })) { 'ByPropertyName' }; if ($sets.Where({ $_.ValueFromPipeline })) { 'ByValue' })
                    $element = if ($t.IsArray) { $t.GetElementType() } else { $t }
                    $accepted = @($parameter.Attributes.Where({ $_ -is [System.Management.Automation.ValidateSetAttribute] }).ForEach({ $_.ValidValues }))
                    if ($accepted.Count -eq 0 -and $element.IsEnum) { $accepted = [enum]::GetNames($element) }
                    $expected = [ordered]@{
                        type = $t.Name
                        required = if (@($sets.Where({ -not $_.IsMandatory })).Count -eq 0) { 'true' } else { 'false' }
                        position = if ($positions.Count -eq 1 -and $positions[0] -ge 0) { "$($positions[0])" } else { 'named' }
                        pipelineInput = if ($pipeline.Count) { "True ($($pipeline -join ', '))" } else { 'False' }
                        aliases = if ($parameter.Aliases.Count) { $parameter.Aliases -join ', ' } else { 'none' }
                        accepted = $accepted -join '|'
                    }
                    $actual = [ordered]@{
                        type = $help.type.name
                        required = $help.required
                        position = $help.position
                        pipelineInput = $help.pipelineInput
                        aliases = $help.aliases
                        accepted = @($help.parameterValueGroup.parameterValue).ForEach({ "$_" }) -join '|'
                    }
                    foreach ($key in $expected.Keys) {
                        if ("$($expected[$key])" -ne "$($actual[$key])") { "${name} -$($help.name): $key is '$($actual[$key])', expected '$($expected[$key])'" }
                    }
                }
            }
            """).Select(o => o.ToString()).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void BatchSizeHelpSaysInt32NotRequiredNamedNoPipeline()
    {
        static string Detail(PSObject help, string name) => help.Properties[name].Value?.ToString() ?? "";
        var batchSize = Assert.Single(_session.Ok("Get-Help New-BatchGenerator -Parameter BatchSize"));
        Assert.Equal("Int32", Detail((PSObject)batchSize.Properties["type"].Value, "name"));
        Assert.Equal(("false", "named", "False"), (Detail(batchSize, "required"), Detail(batchSize, "position"), Detail(batchSize, "pipelineInput")));
        var input = Assert.Single(_session.Ok("Get-Help New-BatchGenerator -Parameter InputObject"));
        // Optional since -Path can stand in for piped frames.
        Assert.Equal(("false", "0", "True (ByValue)"), (Detail(input, "required"), Detail(input, "position"), Detail(input, "pipelineInput")));
    }

    [Fact]
    public void PwshPrintsSyntaxAndParameterDetailsFromTheStagedModule()
    {
        var result = Pwsh.Command("Get-Help New-BatchGenerator -Full");
        Assert.True(result.ExitCode == 0, result.Report);
        // The console view wraps at its width, inside words; compared without white space.
        string text = string.Concat(result.Stdout.Where(c => !char.IsWhiteSpace(c)));
        Assert.Contains("SYNTAXNew-BatchGenerator[[-InputObject]<Frame[]>][-Path<String[]>]", text);
        Assert.Contains("-BatchSize<Int32>", text);
        Assert.Contains("Required?falsePosition?namedDefaultvalue[batch]batch_size(16)Acceptpipelineinput?False", text);
        Assert.Contains("-InputObject<Frame[]>", text);
        Assert.Contains("Required?falsePosition?0DefaultvalueNoneAcceptpipelineinput?True(ByValue)", text);
    }

    [Fact]
    public void EveryExampleParsesAndBindsToTheCmdletsParameters()
    {
        // Each example of every cmdlet, and each code block of about_DataPipeline, through the
        // PowerShell parser and the static binder (what PSScriptAnalyzer uses): a misspelt or
        // removed parameter, a parameter from the wrong set or a stray positional argument shows.
        var about = File.ReadAllText(Path.Combine(SharedPaths.RepositoryRoot, "docs", "help", "about_DataPipeline.md"));
        var blocks = System.Text.RegularExpressions.Regex.Matches(about, "```powershell\\r?\\n(.*?)```", System.Text.RegularExpressions.RegexOptions.Singleline)
            .Select(m => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(m.Groups[1].Value)))
            .ToList();
        Assert.True(blocks.Count >= 5, $"about_DataPipeline has {blocks.Count} code blocks");
        var problems = _session.Ok($$"""
            $exported = (Get-Module DataPipeline).ExportedCmdlets.Keys
            function Test-Example($label, $code) {
                $tokens = $null; $errors = $null
                $ast = [System.Management.Automation.Language.Parser]::ParseInput($code, [ref]$tokens, [ref]$errors)
                foreach ($e in $errors) { "${label}: line $($e.Extent.StartLineNumber): $($e.Message)" }
                foreach ($command in $ast.FindAll({ param($a) $a -is [System.Management.Automation.Language.CommandAst] }, $true)) {
                    $commandName = $command.GetCommandName()
                    if ($commandName -like '*-*' -and $commandName -notin $exported -and -not (Get-Command $commandName -ErrorAction Ignore)) {
                        "${label}: unknown command $commandName"
                        continue
                    }
                    if ($commandName -notin $exported) { continue }
                    $binding = [System.Management.Automation.Language.StaticParameterBinder]::BindCommand($command, $true)
                    foreach ($key in $binding.BindingExceptions.Keys) {
                        "${label}: $commandName ${key}: $($binding.BindingExceptions[$key].BindingException.Message)"
                    }
                    # A literal value of an enum or ValidateSet parameter must be one it accepts.
                    foreach ($bound in $binding.BoundParameters.GetEnumerator()) {
                        $parameter = (Get-Command $commandName).Parameters[$bound.Key]
                        if ($null -eq $parameter -or $null -eq $bound.Value.ConstantValue) { continue }
                        $type = if ($parameter.ParameterType.IsArray) { $parameter.ParameterType.GetElementType() } else { $parameter.ParameterType }
                        $set = @($parameter.Attributes.Where({ $_ -is [System.Management.Automation.ValidateSetAttribute] }).ForEach({ $_.ValidValues }))
                        foreach ($value in @($bound.Value.ConstantValue)) {
                            if ($type.IsEnum -and $null -eq ($value -as $type)) { "${label}: $commandName -$($bound.Key) $value is not one of $([enum]::GetNames($type) -join ', ')" }
                            if ($set.Count -and $value -notin $set) { "${label}: $commandName -$($bound.Key) $value is not one of $($set -join ', ')" }
                        }
                    }
                }
            }
            foreach ($name in $exported) {
                $n = 0
                foreach ($example in @((Get-Help $name -Full).examples.example)) {
                    $n++
                    Test-Example "$name example $n" $example.code
                }
            }
            $n = 0
            foreach ($block in @('{{string.Join("','", blocks)}}')) {
                $n++
                Test-Example "about_DataPipeline block $n" ([System.Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($block)))
            }
            """).Select(o => o.ToString()).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void AboutTopicWalksThroughAStudy()
    {
        var text = string.Join("\n", _session.Ok("Get-Help about_DataPipeline").Select(o => o.ToString()));
        // Simulate, import, batch, train, evaluate, export: each step of a study by its cmdlet.
        foreach (var step in new[] { "New-TrainingConfig", "New-SyntheticFrame", "Import-MatDataset", "New-BatchGenerator", "Invoke-UNetTraining",
                     "Invoke-UNetPrediction", "Measure-Localization", "Export-TrainingHistory", "Export-MatFile" })
            Assert.Contains(step, text);
        var pwsh = Pwsh.Command("Get-Help about_DataPipeline");
        Assert.True(pwsh.ExitCode == 0, pwsh.Report);
        Assert.Contains("A COMPLETE STUDY", pwsh.Stdout);
    }

    [Fact]
    public void PwshShowsHelpFromTheStagedModulesFolder()
    {
        var result = Pwsh.Command("Get-Help Import-MatDataset -Parameter DataVariable");
        Assert.True(result.ExitCode == 0, result.Report);
        Assert.Contains("low_res.das", result.Stdout);
    }
}
