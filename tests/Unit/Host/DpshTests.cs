using System.Text.Json;
using Xunit;

namespace DataPipeline.Tests.Host;

public sealed class DpshTests
{
    // Write-Error and friends live in Microsoft.PowerShell.Utility, which the engine package lacks;
    // an advanced function reaches the same streams through $PSCmdlet.
    private const string WriteStreamsFunction = """
        function Invoke-Streams {
            [CmdletBinding()] param([switch]$Fail)
            $PSCmdlet.WriteWarning('careful')
            $PSCmdlet.WriteVerbose('details')
            $PSCmdlet.WriteProgress([System.Management.Automation.ProgressRecord]::new(1, 'Training', 'epoch 1'))
            if ($Fail) {
                $PSCmdlet.WriteError([System.Management.Automation.ErrorRecord]::new(
                    [Exception]::new('frame 3 is corrupt'), 'CorruptFrame', 'InvalidData', $null))
            }
            'done'
        }
        """;

    [Fact]
    public void CommandPrintsItsOutputAndSucceeds()
    {
        var result = DpshProcess.Run("-Command", "1+1");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("2", result.Stdout.Trim());
        Assert.Equal(string.Empty, result.Stderr);
    }

    [Fact]
    public void ShortCommandOptionJoinsTheRemainingWords()
    {
        var result = DpshProcess.Run("-c", "'a'", "+", "'b'");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("ab", result.Stdout.Trim());
    }

    [Fact]
    public void ThrowExitsWithOneAndReportsTheMessageOnStderr()
    {
        var result = DpshProcess.Run("-Command", "'before'; throw 'boom'");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("boom", result.Stderr);
        Assert.DoesNotContain("boom", result.Stdout);
    }

    [Fact]
    public void ExitSetsTheExitCode()
    {
        Assert.Equal(7, DpshProcess.Run("-Command", "exit 7").ExitCode);
    }

    [Fact]
    public void NonTerminatingErrorInTheLastStatementExitsWithOne()
    {
        var result = DpshProcess.Run("-Command", WriteStreamsFunction + "\nInvoke-Streams -Fail");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Invoke-Streams:", result.Stderr);
        Assert.Contains("frame 3 is corrupt", result.Stderr);
        Assert.Equal("done", result.Stdout.Trim());
    }

    [Fact]
    public void ErrorFollowedBySuccessfulStatementExitsWithZero()
    {
        var result = DpshProcess.Run("-Command", "Get-NoSuchCommand; 'recovered'");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Get-NoSuchCommand", result.Stderr);
        Assert.Equal("recovered", result.Stdout.Trim());
    }

    [Fact]
    public void ParseErrorExitsWithOne()
    {
        var result = DpshProcess.Run("-Command", "if (1 {");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("ParserError", result.Stderr);
        Assert.Equal(string.Empty, result.Stdout.Trim());
    }

    [Fact]
    public void WarningsGoToStderrAndVerboseFollowsPreference()
    {
        var quiet = DpshProcess.Run("-Command", WriteStreamsFunction + "\nInvoke-Streams");
        var verbose = DpshProcess.Run("-Command", WriteStreamsFunction + "\nInvoke-Streams -Verbose");

        Assert.Equal(0, quiet.ExitCode);
        Assert.Contains("WARNING: careful", quiet.Stderr);
        Assert.DoesNotContain("VERBOSE", quiet.Stderr);
        Assert.Contains("VERBOSE: details", verbose.Stderr);
        Assert.Equal("done", verbose.Stdout.Trim());
    }

    [Fact]
    public void ProgressIsSilentWhenStderrIsNotATerminal()
    {
        var result = DpshProcess.Run("-Command", WriteStreamsFunction + "\n$WarningPreference = 'SilentlyContinue'; Invoke-Streams");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(string.Empty, result.Stderr);
    }

    [Fact]
    public void TablesCarryNoColourCodesIntoPipes()
    {
        var result = DpshProcess.Run("-Command", "[pscustomobject]@{ Name = 'frame'; Size = 3 }");

        Assert.Contains("Name", result.Stdout);
        Assert.Contains("frame", result.Stdout);
        Assert.DoesNotContain("\u001b", result.Stdout);
    }

    [Fact]
    public void JsonOutputIsOneArrayOfTheObjects()
    {
        var result = DpshProcess.Run("-OutputFormat", "Json", "-Command", "[pscustomobject]@{a=1;b=[double]::NaN;c=@(1,2)}");

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Stdout);
        var item = Assert.Single(json.RootElement.EnumerateArray());
        Assert.Equal(1, item.GetProperty("a").GetInt32());
        Assert.Equal("NaN", item.GetProperty("b").GetString());
        Assert.Equal([1, 2], item.GetProperty("c").EnumerateArray().Select(e => e.GetInt32()));
    }

    [Fact]
    public void JsonOutputStaysValidWhenTheScriptThrows()
    {
        var result = DpshProcess.Run("-OutputFormat", "json", "-c", "'kept'; throw 'late failure'");

        Assert.Equal(1, result.ExitCode);
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal("kept", Assert.Single(json.RootElement.EnumerateArray()).GetString());
        Assert.Contains("late failure", result.Stderr);
    }

    [Fact]
    public void FileArgumentsBindToScriptParameters()
    {
        using var script = new TempScript("""
            param($Name, $Count, [switch]$Loud)
            "$Name x$Count loud=$Loud"
            """);

        var named = DpshProcess.Run("-File", script.Path, "-Name", "frames", "-Loud", "3");
        var positional = DpshProcess.Run("-f", script.Path, "frames", "4");
        var colon = DpshProcess.Run("-File", script.Path, "-Name:frames", "-Count:5", "-Loud:$false");

        Assert.Equal("frames x3 loud=True", named.Stdout.Trim());
        Assert.Equal("frames x4 loud=False", positional.Stdout.Trim());
        Assert.Equal("frames x5 loud=False", colon.Stdout.Trim());
        Assert.All([named, positional, colon], r => Assert.Equal(0, r.ExitCode));
    }

    [Fact]
    public void FileExitCodeComesFromItsExitStatement()
    {
        using var script = new TempScript("param($Code) 'leaving'; exit $Code");

        var result = DpshProcess.Run("-File", script.Path, "5");

        Assert.Equal(5, result.ExitCode);
        Assert.Equal("leaving", result.Stdout.Trim());
    }

    [Fact]
    public void MissingFileExitsWith64()
    {
        var result = DpshProcess.Run("-File", "/no/such/script.ps1");

        Assert.Equal(64, result.ExitCode);
        Assert.Contains("/no/such/script.ps1", result.Stderr);
    }

    [Fact]
    public void ParseErrorInFileNamesTheFile()
    {
        using var script = new TempScript("param($x)\n\nif (1 { }\n");

        var result = DpshProcess.Run("-File", script.Path);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("ParserError", result.Stderr);
        Assert.Contains(script.Path + ":3", result.Stderr);
    }

    [Fact]
    public void UnknownOptionIsAUsageError()
    {
        var result = DpshProcess.Run("-Bogus");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("-Bogus", result.Stderr);
        Assert.Equal(string.Empty, result.Stdout);
    }

    [Fact]
    public void MissingOptionValueIsAUsageErrorNotAScriptFailure()
    {
        Assert.Equal(2, DpshProcess.Run("-Command").ExitCode);
        Assert.Equal(2, DpshProcess.Run("-OutputFormat", "Yaml", "-c", "1").ExitCode);
        Assert.Equal(1, DpshProcess.Run("-c", "throw 'x'").ExitCode);
    }

    [Fact]
    public void HelpPrintsUsageWithEveryExitCode()
    {
        var result = DpshProcess.Run("--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Usage: dpsh", result.Stdout);
        var codes = typeof(DataPipeline.Host.ExitCodes).GetFields().Select(f => (int)f.GetRawConstantValue()!).ToList();
        Assert.Equal([0, 1, 2, 3, 64, 130], codes);
        foreach (var code in codes)
            Assert.Matches($"(?m)^ +{code} +[-a-zA-Z]", result.Stdout);
    }

    [Fact]
    public void NonInteractiveAndRedirectedSessionsStartWithProgressSilenced()
    {
        // Both modes silence progress here, as the test's pipes are redirected output.
        Assert.Equal("SilentlyContinue", DpshProcess.Run("-NonInteractive", "-c", "$ProgressPreference").Stdout.Trim());
        Assert.Equal("SilentlyContinue", DpshProcess.Run("-c", "$ProgressPreference").Stdout.Trim());
    }

    [Fact]
    public void InteractiveLoopRunsEachStatementUntilExit()
    {
        var result = DpshProcess.Run([], stdin: "1+1\nif ($true) {\n  'inside'\n}\nexit 3\n'never'\n");

        Assert.Equal(3, result.ExitCode);
        Assert.Equal(["2", "inside"], result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [Fact]
    public void SessionStartsInTheCurrentDirectoryWithTheModuleImported()
    {
        var result = DpshProcess.Run("-c", "$PWD.Path; (Get-Module DataPipeline).Name");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal([Environment.CurrentDirectory, "DataPipeline"], result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    private sealed class TempScript : IDisposable
    {
        public TempScript(string text)
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"dpsh-test-{Guid.NewGuid():N}.ps1");
            File.WriteAllText(Path, text);
        }

        public string Path { get; }

        public void Dispose() => File.Delete(Path);
    }
}
