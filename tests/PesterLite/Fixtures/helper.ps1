# Dot-sourced by Passing.Tests.ps1 through $PSScriptRoot.
function Get-FixtureGreeting { param([string] $Name) "Hello, $Name" }
