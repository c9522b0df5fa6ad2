<#
.SYNOPSIS
    Builds, tests and stages the DataPipeline PowerShell module.

.DESCRIPTION
    -Task Build    compiles the solution (engine, cmdlets, the dpsh host, tests, benchmarks).
    -Task Test     runs the xunit suite (engine tests, in-process pipeline tests and the Pester
                   files in tests/Pester through PesterLite); with Pester 5 installed, it also runs
                   tests/Pester with real Pester against the staged module.
    -Task Package  stages a loadable module in out/DataPipeline: the manifest, the views, the
                   assemblies and the native libraries (libtorch, SkiaSharp) for this machine's
                   platform only. Then:  Import-Module ./out/DataPipeline/DataPipeline.psd1

    Runs in pwsh 7.4+ and in dpsh (dotnet run --project src/DataPipeline.Host -- -File build.ps1),
    so it uses only PowerShell's core commands and .NET calls.

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
    dotnet run --project src/DataPipeline.Host -- -File build.ps1 -Task Test
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

    $manifest = [System.IO.Path]::Combine($staging, 'DataPipeline.psd1')
    $module = Test-ModuleManifest -Path $manifest
    foreach ($required in 'DataPipeline.PowerShell.dll', 'DataPipeline.Engine.dll', 'TorchSharp.dll', 'DataPipeline.format.ps1xml') {
        if (-not [System.IO.File]::Exists([System.IO.Path]::Combine($staging, $required))) {
            throw "The staged module lacks $required."
        }
    }
    $natives = [System.IO.Directory]::GetFiles($staging, '*torch*').Count
    if ($natives -eq 0) { throw "The staged module holds no libtorch native library for $rid." }
    $bytes = 0
    foreach ($file in [System.IO.Directory]::GetFiles($staging, '*', 'AllDirectories')) { $bytes += ([System.IO.FileInfo]$file).Length }
    "==> Staged DataPipeline $($module.Version) for $rid in $staging ($([math]::Round($bytes / 1MB)) MB, $natives libtorch files)"
    "    Import-Module $manifest"
}

function Invoke-Test {
    Invoke-Dotnet test $solution -c $Configuration "-p:TorchBackend=$TorchBackend"
    $pester = Get-Module -ListAvailable -Name Pester | Where-Object { $_.Version.Major -ge 5 }
    if ($pester) {
        Invoke-Package
        "==> Pester $($pester[0].Version) on tests/Pester against the staged module"
        Import-Module ([System.IO.Path]::Combine($staging, 'DataPipeline.psd1')) -Force
        $result = Invoke-Pester -Path ([System.IO.Path]::Combine($root, 'tests', 'Pester')) -PassThru
        if ($result.FailedCount -gt 0) { throw "$($result.FailedCount) Pester test(s) failed." }
    }
    else {
        '==> Pester 5 is not installed; tests/Pester ran through PesterLite inside the xunit suite.'
    }
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Test' { Invoke-Test }
    'Package' { Invoke-Package }
}
