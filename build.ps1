<#
.SYNOPSIS
    Builds, tests and stages the DataPipeline PowerShell module.

.DESCRIPTION
    -Task Build    compiles the solution (engine, cmdlets, tests, benchmarks).
    -Task Test     stages the module (as -Task Package), runs the xunit suite (dotnet test), then
                   runs tests/Pester under Pester 5.7.1 in a fresh pwsh process against the staged
                   module, and fails when any test of either fails. Pester is restored from NuGet
                   (tools/TestModules) and imported by path; a missing Pester is an error, never
                   a skip. Results: out/test-results/xunit.trx and out/test-results/pester.xml
                   (NUnit XML).
    -Task Package  stages a loadable module in out/DataPipeline for this machine's platform (RID)
                   only, and packs it as out/packages/<rid>/DataPipeline.<version>.nupkg.
                   The staged module keeps at its root what PowerShell reads (the manifest, the
                   views, the help, DataPipeline.PowerShell.dll and DataPipeline.Isolation.dll)
                   and puts the engine and every library it uses, managed and native (TorchSharp
                   and libtorch, Tomlyn, PureHDF, ScottPlot and SkiaSharp, ...), in Dependencies/,
                   which the module loads into an assembly load context of its own so that it
                   coexists with modules that ship other versions of those libraries.
                   The package lays the module out as Publish-PSResource does (module files at
                   the package root, a nuspec with the Gallery's metadata and PSModule,
                   PSIncludes_Cmdlet and PSCmdlet_<name> tags); its folder is a local repository
                   for Install-PSResource and Install-Module. The staged manifest carries the same
                   tags, since PSResourceGet reads a local package's tags from the manifest inside
                   it (Find-PSResource -CommandName).

    Runs in pwsh 7.4+ (tools/install-prerequisites.sh installs pwsh 7.6.10).

.PARAMETER Task
    Build, Test or Package. Default: Build.

.PARAMETER Configuration
    Release (default) or Debug.

.PARAMETER TorchBackend
    cpu (default), cuda-linux or cuda-windows. The CUDA backends restore TorchSharp-cuda-* from
    nuget.org, which a lab machine with an NVIDIA GPU can reach.

.EXAMPLE
    ./build.ps1 -Task Package; Import-Module ./out/DataPipeline/DataPipeline.psd1

.EXAMPLE
    ./build.ps1 -Task Package
    Register-PSResourceRepository -Name DataPipeline-linux-x64 -Uri ./out/packages/linux-x64 -Trusted
    Install-PSResource DataPipeline -Repository DataPipeline-linux-x64

.EXAMPLE
    pwsh -NoProfile -File build.ps1 -Task Test
#>
param(
    [ValidateSet('Build', 'Test', 'Package')]
    [string] $Task = 'Build',

    [ValidateSet('Release', 'Debug')]
    [string] $Configuration = 'Release',

    [ValidateSet('cpu', 'cuda-linux', 'cuda-windows')]
    [string] $TorchBackend = 'cpu'
)

$ErrorActionPreference = 'Stop'
$root = $PSScriptRoot
$solution = [System.IO.Path]::Combine($root, 'DataPipeline.sln')
$staging = [System.IO.Path]::Combine($root, 'out', 'DataPipeline')
$rid = [System.Runtime.InteropServices.RuntimeInformation]::RuntimeIdentifier

function Invoke-Dotnet {
    # Runs dotnet with the arguments as given and stops the build when it fails. A simple function
    # (not an advanced one) so that dotnet's -o and -c are not taken for common parameters.
    "==> dotnet $($args -join ' ')"
    & dotnet @args | ForEach-Object { "$_" }
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args[0]) failed with exit code $LASTEXITCODE." }
}

function Invoke-Build {
    Invoke-Dotnet build $solution -c $Configuration "-p:TorchBackend=$TorchBackend"
}

function Invoke-Package {
    # A RID-specific publish of the cmdlet assembly flattens the native libraries next to the
    # managed ones, for this platform only (publishing every RID would be about 1.5 GB).
    if ([System.IO.Directory]::Exists($staging)) { [System.IO.Directory]::Delete($staging, $true) }
    Invoke-Dotnet publish ([System.IO.Path]::Combine($root, 'src', 'DataPipeline.PowerShell')) -c $Configuration -r $rid `
        --self-contained false -o $staging "-p:TorchBackend=$TorchBackend"

    # Isolation (src/DataPipeline.Isolation): only what PowerShell itself reads stays at
    # the root; the engine and every library it brings move to Dependencies/, where the default
    # load context cannot see them and the module's own context loads them. The .deps.json goes:
    # PowerShell never reads it, and it would describe the flat layout.
    $rootFiles = 'DataPipeline.psd1', 'DataPipeline.format.ps1xml', 'DataPipeline.PowerShell.dll', 'DataPipeline.PowerShell.pdb',
        'DataPipeline.Isolation.dll', 'DataPipeline.Isolation.pdb'
    $dependencies = [System.IO.Path]::Combine($staging, 'Dependencies')
    [void][System.IO.Directory]::CreateDirectory($dependencies)
    [System.IO.File]::Delete([System.IO.Path]::Combine($staging, 'DataPipeline.PowerShell.deps.json'))
    foreach ($file in [System.IO.Directory]::GetFiles($staging)) {
        $name = [System.IO.Path]::GetFileName($file)
        if ($rootFiles -notcontains $name) { [System.IO.File]::Move($file, [System.IO.Path]::Combine($dependencies, $name)) }
    }
    foreach ($folder in [System.IO.Directory]::GetDirectories($staging)) {
        $name = [System.IO.Path]::GetFileName($folder)
        # en-US holds the module's help, which Get-Help looks for next to the cmdlet assembly.
        if ($name -ne 'Dependencies' -and $name -ne 'en-US') { [System.IO.Directory]::Move($folder, [System.IO.Path]::Combine($dependencies, $name)) }
    }

    $manifest = [System.IO.Path]::Combine($staging, 'DataPipeline.psd1')
    $module = Test-ModuleManifest -Path $manifest
    $tags = Get-GalleryTag $module
    Set-ManifestTag $manifest $tags
    foreach ($required in 'DataPipeline.PowerShell.dll', 'DataPipeline.Isolation.dll', 'DataPipeline.format.ps1xml', 'Dependencies/DataPipeline.Engine.dll', 'Dependencies/TorchSharp.dll') {
        if (-not [System.IO.File]::Exists([System.IO.Path]::Combine($staging, $required))) {
            throw "The staged module lacks $required."
        }
    }
    $natives = [System.IO.Directory]::GetFiles($dependencies, '*torch*').Count
    if ($natives -eq 0) { throw "The staged module holds no libtorch native library for $rid." }
    $bytes = 0
    foreach ($file in [System.IO.Directory]::GetFiles($staging, '*', 'AllDirectories')) { $bytes += ([System.IO.FileInfo]$file).Length }
    "==> Staged DataPipeline $($module.Version) for $rid in $staging ($([math]::Round($bytes / 1MB)) MB, $natives libtorch files)"
    "    Import-Module $manifest"

    New-ModulePackage $module $tags
}

function Get-GalleryTag($module) {
    # The gallery's tags: what the module is, its editions and one tag per command, so that
    # Find-PSResource -CommandName and the gallery's search find it; then the manifest's own.
    $tags = [System.Collections.Generic.List[string]]::new()
    $tags.Add('PSModule')
    foreach ($edition in $module.CompatiblePSEditions) { $tags.Add("PSEdition_$edition") }
    $tags.Add('PSIncludes_Cmdlet')
    foreach ($cmdlet in $module.ExportedCmdlets.Keys) { $tags.Add("PSCmdlet_$cmdlet"); $tags.Add("PSCommand_$cmdlet") }
    foreach ($tag in $module.Tags) { if (-not $tags.Contains($tag)) { $tags.Add($tag) } }
    , $tags
}

function Set-ManifestTag($manifest, $tags) {
    # PSResourceGet takes a local package's tags from the manifest inside it, not from the nuspec,
    # so the staged manifest carries the generated ones too. The source manifest keeps only its
    # own, so the command tags can never fall behind CmdletsToExport.
    $text = [System.IO.File]::ReadAllText($manifest)
    $pattern = '(?m)^(\s*Tags\s*=\s*)@\([^)]*\)'
    if ($text -notmatch $pattern) { throw "$manifest has no PrivateData.PSData.Tags = @(...) line to put the command tags in." }
    $list = ($tags | ForEach-Object { "'$_'" }) -join ', '
    [System.IO.File]::WriteAllText($manifest, [regex]::Replace($text, $pattern, "`${1}@($list)"))
    $staged = Test-ModuleManifest -Path $manifest
    if (@($staged.Tags).Count -ne $tags.Count) { throw "$manifest lists $(@($staged.Tags).Count) tags after staging; expected $($tags.Count)." }
}

function New-ModulePackage($module, $tags) {
    # A NuGet package laid out as Publish-PSResource lays out a module: the module's files at the
    # package root beside DataPipeline.nuspec, plus the OPC parts every .nupkg carries. One local
    # repository folder per RID, because each package holds one platform's native libraries and
    # keeps the plain id and version that Install-PSResource matches against the manifest.
    $version = [string]$module.Version
    if ($module.PrivateData.PSData.Prerelease) { $version += "-$($module.PrivateData.PSData.Prerelease)" }
    $repository = [System.IO.Path]::Combine($root, 'out', 'packages', $rid)
    [void][System.IO.Directory]::CreateDirectory($repository)
    $package = [System.IO.Path]::Combine($repository, "DataPipeline.$version.nupkg")
    $escape = { param($text) [System.Security.SecurityElement]::Escape([string]$text) }

    # The licence is the one the manifest's Copyright names.
    $nuspec = @"
<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2011/08/nuspec.xsd">
  <metadata>
    <id>$($module.Name)</id>
    <version>$version</version>
    <authors>$(& $escape $module.Author)</authors>
    <owners>$(& $escape $module.CompanyName)</owners>
    <requireLicenseAcceptance>false</requireLicenseAcceptance>
    <license type="expression">MIT</license>
    <description>$(& $escape $module.Description)</description>
    <copyright>$(& $escape $module.Copyright)</copyright>
    <tags>$(& $escape ($tags -join ' '))</tags>
  </metadata>
</package>
"@

    $files = [System.IO.Directory]::GetFiles($staging, '*', 'AllDirectories')
    $extensions = [System.Collections.Generic.SortedSet[string]]::new([System.StringComparer]::OrdinalIgnoreCase)
    $overrides = [System.Text.StringBuilder]::new()
    foreach ($file in $files) {
        $extension = [System.IO.Path]::GetExtension($file).TrimStart('.')
        if ($extension) { [void]$extensions.Add($extension) }
        else { [void]$overrides.Append("<Override PartName=`"/$($file.Substring($staging.Length + 1).Replace('\', '/'))`" ContentType=`"application/octet`" />") }
    }
    $defaults = [System.Text.StringBuilder]::new()
    foreach ($extension in $extensions) { [void]$defaults.Append("<Default Extension=`"$extension`" ContentType=`"application/octet`" />") }
    $contentTypes = '<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml" />' +
        '<Default Extension="psmdcp" ContentType="application/vnd.openxmlformats-package.core-properties+xml" />' +
        '<Default Extension="nuspec" ContentType="application/octet" />' +
        "$defaults$overrides</Types>"
    $properties = "package/services/metadata/core-properties/$([guid]::NewGuid().ToString('N')).psmdcp"
    $relationships = '<?xml version="1.0" encoding="utf-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
        "<Relationship Type=`"http://schemas.microsoft.com/packaging/2010/07/manifest`" Target=`"/$($module.Name).nuspec`" Id=`"R1`" />" +
        "<Relationship Type=`"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties`" Target=`"/$properties`" Id=`"R2`" /></Relationships>"
    $coreProperties = '<?xml version="1.0" encoding="utf-8"?><coreProperties xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.openxmlformats.org/package/2006/metadata/core-properties">' +
        "<dc:creator>$(& $escape $module.Author)</dc:creator><dc:description>$(& $escape $module.Description)</dc:description>" +
        "<dc:identifier>$($module.Name)</dc:identifier><version>$version</version><keywords>$(& $escape ($tags -join ' '))</keywords>" +
        '<lastModifiedBy>DataPipeline build.ps1</lastModifiedBy></coreProperties>'

    # Fastest: libtorch is most of the ~500 MB and compresses little better at the default level,
    # which took several times longer on a 2-core machine.
    foreach ($assembly in 'System.IO.Compression', 'System.IO.Compression.ZipFile') { [void][System.Reflection.Assembly]::Load($assembly) }
    $fastest = [System.IO.Compression.CompressionLevel]::Fastest
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    $partial = "$package.partial"
    $stream = [System.IO.File]::Create($partial)
    $zip = [System.IO.Compression.ZipArchive]::new($stream, [System.IO.Compression.ZipArchiveMode]::Create)
    try {
        foreach ($part in @(
                @("$($module.Name).nuspec", $nuspec), @('[Content_Types].xml', $contentTypes),
                @('_rels/.rels', $relationships), @($properties, $coreProperties))) {
            $writer = [System.IO.StreamWriter]::new($zip.CreateEntry($part[0], $fastest).Open(), [System.Text.UTF8Encoding]::new($false))
            $writer.Write($part[1])
            $writer.Dispose()
        }
        foreach ($file in $files) {
            $entry = $file.Substring($staging.Length + 1).Replace('\', '/')
            [void][System.IO.Compression.ZipFileExtensions]::CreateEntryFromFile($zip, $file, $entry, $fastest)
        }
    }
    finally {
        $zip.Dispose()
        $stream.Dispose()
    }
    # Written aside and renamed, so a failed or interrupted build never leaves a truncated package.
    [System.IO.File]::Move($partial, $package, $true)
    "==> Packed $package ($([math]::Round(([System.IO.FileInfo]$package).Length / 1MB)) MB in $([math]::Round($clock.Elapsed.TotalSeconds)) s)"
    "    Register-PSResourceRepository -Name DataPipeline-$rid -Uri $repository -Trusted; Install-PSResource DataPipeline -Repository DataPipeline-$rid"
}

function Find-Pester {
    # Pester 5.7.1 as NuGet restores it (tools/TestModules): the module is under tools/ in the
    # package, in NuGet's global packages folder. Restoring is a no-op when it is already there.
    # Its lines go to the host: this function's output is the path alone.
    Invoke-Dotnet restore ([System.IO.Path]::Combine($root, 'tools', 'TestModules', 'TestModules.csproj')) -nologo -v quiet | Out-Host
    $packages = $env:NUGET_PACKAGES
    if (-not $packages) {
        $packages = ((& dotnet nuget locals global-packages --list) -join '') -replace '^global-packages:\s*', ''
    }
    $pester = [System.IO.Path]::Combine($packages.Trim(), 'pester', '5.7.1', 'tools', 'Pester.psd1')
    if (-not [System.IO.File]::Exists($pester)) {
        throw "Pester 5.7.1 is not at $pester after restoring tools/TestModules. Run tools/install-prerequisites.sh, or dotnet restore tools/TestModules, and check the NuGet source serves the package 'Pester'."
    }
    $pester
}

function Invoke-Test {
    $pester = Find-Pester
    Invoke-Package
    $results = [System.IO.Path]::Combine($root, 'out', 'test-results')
    [void][System.IO.Directory]::CreateDirectory($results)

    # xunit: the engine, in-process PowerShell sessions, and pwsh processes on the staged module.
    "==> dotnet test $solution -c $Configuration"
    & dotnet test $solution -c $Configuration "-p:TorchBackend=$TorchBackend" --results-directory $results --logger 'trx;LogFileName=xunit.trx' |
        ForEach-Object { "$_" }
    $xunitExit = $LASTEXITCODE

    # Pester in a fresh pwsh, as a user runs it: Pester imported by path, the test files import
    # the staged module themselves (DATAPIPELINE_MODULE names it).
    $xml = [System.IO.Path]::Combine($results, 'pester.xml')
    $script = @'
param($Pester, $Tests, $Xml)
$ErrorActionPreference = 'Stop'
Import-Module $Pester -Force
$config = New-PesterConfiguration
$config.Run.Path = $Tests
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Normal'
$config.TestResult.Enabled = $true
$config.TestResult.OutputFormat = 'NUnitXml'
$config.TestResult.OutputPath = $Xml
$result = Invoke-Pester -Configuration $config
"==> Pester $((Get-Module Pester).Version): passed $($result.PassedCount), failed $($result.FailedCount), skipped $($result.SkippedCount), not run $($result.NotRunCount), failed blocks $($result.FailedBlocksCount), failed containers $($result.FailedContainersCount); $Xml"
if ($result.Result -ne 'Passed') { exit 1 }
'@
    "==> pwsh: Pester on tests/Pester against $staging"
    $env:DATAPIPELINE_MODULE = [System.IO.Path]::Combine($staging, 'DataPipeline.psd1')
    $pwsh = [System.IO.Path]::Combine($PSHOME, 'pwsh')
    if (-not [System.IO.File]::Exists($pwsh) -and -not [System.IO.File]::Exists("$pwsh.exe")) { $pwsh = 'pwsh' }
    $quote = { param($text) "'" + ([string]$text).Replace("'", "''") + "'" }
    $tests = [System.IO.Path]::Combine($root, 'tests', 'Pester')
    & $pwsh -NoProfile -NonInteractive -Command "& { $script } -Pester $(& $quote $pester) -Tests $(& $quote $tests) -Xml $(& $quote $xml)"
    $pesterExit = $LASTEXITCODE

    $failed = @()
    if ($xunitExit -ne 0) { $failed += "xunit (dotnet test exit code $xunitExit)" }
    if ($pesterExit -ne 0) { $failed += "Pester (exit code $pesterExit)" }
    if ($failed) { throw "Tests failed: $($failed -join '; '). Results in $results." }
    "==> All tests passed; results in $results"
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Test' { Invoke-Test }
    'Package' { Invoke-Package }
}
