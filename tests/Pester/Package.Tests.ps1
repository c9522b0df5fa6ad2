# The package build.ps1 -Task Package leaves in out/packages/<rid>, as a lab user gets it: a local
# PSResourceGet repository, Find-PSResource by command, Install-PSResource, then a fresh pwsh that
# imports the installed module by name. The user is a temporary HOME, so the repository
# registration and the installed module touch nothing of the machine's own.

BeforeAll {
    Import-Module ($env:DATAPIPELINE_MODULE ?? (Join-Path $PSScriptRoot '../../out/DataPipeline/DataPipeline.psd1')) -Force

    $rid = [System.Runtime.InteropServices.RuntimeInformation]::RuntimeIdentifier
    $repository = [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot "../../out/packages/$rid"))
    if (-not (Test-Path -LiteralPath $repository)) { throw "No package repository at $repository; run build.ps1 -Task Package first." }
    $version = (Get-Module DataPipeline).Version.ToString()
    $userHome = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'home')
    $pwsh = Join-Path $PSHOME 'pwsh'

    # A fresh pwsh of that user: only its own module path (no inherited PSModulePath, no XDG
    # folders), text output; what it printed, one string per line, and its exit code.
    function Invoke-AsUser([string] $Command) {
        $saved = @{}
        foreach ($name in 'HOME', 'PSModulePath', 'XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'NO_COLOR') {
            $saved[$name] = [Environment]::GetEnvironmentVariable($name)
            [Environment]::SetEnvironmentVariable($name, $null)
        }
        $env:HOME = $userHome.FullName
        $env:NO_COLOR = '1'
        try {
            $output = & $pwsh -NoProfile -NonInteractive -Command $Command 2>&1 | ForEach-Object { "$_" }
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = @($output); Text = $output -join "`n" }
        }
        finally {
            foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
        }
    }

    $registered = Invoke-AsUser "Register-PSResourceRepository -Name dp-local -Uri '$repository' -Trusted -ErrorAction Stop"
}

Describe 'The DataPipeline package in a local PSResourceGet repository' {
    It 'registers the folder as a repository' {
        $registered.ExitCode | Should -Be 0 -Because $registered.Text
    }

    It 'is found by the name of a cmdlet it exports, and not by one it lacks' {
        $found = Invoke-AsUser @'
$ErrorActionPreference = 'Stop'
foreach ($command in 'Invoke-UNetTraining', 'Get-MatVariable', 'Invoke-NoSuchThing') {
    foreach ($hit in @(Find-PSResource -CommandName $command -Repository dp-local -ErrorAction SilentlyContinue)) {
        "found: $command $($hit.ParentResource.Name) $($hit.ParentResource.Version)"
    }
}
'searched'
'@
        $found.ExitCode | Should -Be 0 -Because $found.Text
        $found.Output[-1] | Should -Be 'searched'
        $found.Output -like 'found: *' | Should -Be @(
            "found: Invoke-UNetTraining DataPipeline $version"
            "found: Get-MatVariable DataPipeline $version")
    }

    Context 'installed for the current user' {
        BeforeAll {
            $installed = Invoke-AsUser @'
$ErrorActionPreference = 'Stop'
Install-PSResource -Name DataPipeline -Repository dp-local -Scope CurrentUser -Quiet
$resource = Get-InstalledPSResource -Name DataPipeline
"installed: $($resource.Version) $($resource.InstalledLocation)"
'@
            # A session started after the install, as a user's next pwsh would be.
            $session = Invoke-AsUser @'
$ErrorActionPreference = 'Stop'
Import-Module DataPipeline
"base: $((Get-Module DataPipeline).ModuleBase)"
"frames: $(@(New-SyntheticFrame -Count 2 -Size 16 -Seed 1).Count)"
"frame type: $(('DataPipeline.Engine.Frames.Frame' -as [type]).FullName)"
'@
        }

        It 'installs into the user''s module folder' {
            $installed.ExitCode | Should -Be 0 -Because $installed.Text
            $userModules = Join-Path $userHome.FullName '.local/share/powershell/Modules'
            $installed.Output -like 'installed: *' | Should -Be "installed: $version $userModules"
            Join-Path $userModules "DataPipeline/$version/DataPipeline.psd1" | Should -Exist
            Join-Path $userModules "DataPipeline/$version/Dependencies/DataPipeline.Engine.dll" | Should -Exist
        }

        It 'imports by name in a fresh pwsh and runs a cmdlet' {
            $session.ExitCode | Should -Be 0 -Because $session.Text
            $session.Output -like 'base: *' | Should -Be "base: $(Join-Path $userHome.FullName ".local/share/powershell/Modules/DataPipeline/$version")"
            $session.Output -like 'frames: *' | Should -Be 'frames: 2'
        }

        It 'lets scripts name the module''s types' {
            $session.Output -like 'frame type: *' | Should -Be 'frame type: DataPipeline.Engine.Frames.Frame'
        }
    }
}
