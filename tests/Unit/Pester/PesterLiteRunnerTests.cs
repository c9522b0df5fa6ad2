using Xunit;

namespace DataPipeline.Tests.Pester;

/// <summary>
/// Runs the fixtures in tests/PesterLite/Fixtures through PesterLite and checks exact counts and
/// messages, so a runner that skips, miscounts or mis-scopes tests fails here.
/// </summary>
public class PesterLiteRunnerTests
{
    private static string Fixture(string name) => Path.Combine(PesterSuite.PesterLiteDirectory, "Fixtures", name);

    [Fact]
    public void PassingFixtureRunsEveryOperatorAndScopingRule()
    {
        var result = PesterSuite.Run(Fixture("Passing.Tests.ps1"));

        Assert.True(result.Failures.Count == 0, result.Report);
        Assert.Equal((28, 0, 2, 30), (result.Passed, result.Failed, result.Skipped, result.Total));
        Assert.Equal("Tests Passed: 28, Failed: 0, Skipped: 2", result.Output[^1]);
        Assert.Contains("[!] Operators > may be skipped (skipped)", result.Output);
        Assert.Contains(result.Output, line => line.StartsWith("[+] TestCases > adds 2 and 2 (", StringComparison.Ordinal));
    }

    [Fact]
    public void FailingFixtureReportsPesterMessages()
    {
        var path = Fixture("Failing.Tests.ps1");
        var result = PesterSuite.Run(path);

        Assert.Equal((2, 22, 1, 25), (result.Passed, result.Failed, result.Skipped, result.Total));
        var expected = new Dictionary<string, string>
        {
            ["Failures > Be"] = "Expected 5, but got 4.",
            ["Failures > Be with Because"] = "Expected 5, because the answer is five, but got 4.",
            ["Failures > Not Be"] = "Expected 5 to be different from the actual value, but got the same value.",
            ["Failures > Be on collections"] = "Expected @(1, 3), but got @(1, 2).",
            ["Failures > BeExactly"] = "Expected exactly 'ABC', but got 'abc'.",
            ["Failures > BeGreaterThan"] = "Expected the actual value to be greater than 4, but got 3.",
            ["Failures > BeLessOrEqual"] = "Expected the actual value to be less than or equal to 4, but got 5.",
            ["Failures > BeNullOrEmpty"] = "Expected $null or empty, but got 'x'.",
            ["Failures > BeTrue"] = "Expected $true, but got $false.",
            ["Failures > Match"] = @"Expected regular expression '^\d+$' to match 'abc', but it did not match.",
            ["Failures > BeLike"] = "Expected like wildcard 'x*' to match 'abc', but it did not match.",
            ["Failures > Contain"] = "Expected 4 to be found in collection @(1, 2, 3), but it was not found.",
            ["Failures > HaveCount"] = "Expected a collection with size 3, but got collection with size 2 @(1, 2).",
            ["Failures > BeOfType"] = "Expected the value to have type [System.Int32] or any of its subtypes, but got 'x' with type [System.String].",
            ["Failures > Exist"] = "Expected path '/no/such/path/pesterlite' to exist, but it did not exist.",
            ["Failures > Throw"] = "Expected an exception to be thrown, but no exception was thrown.",
            ["Failures > Throw with a message filter"] = "Expected an exception with message like 'other*' to be thrown, but the message was 'actual text'.",
            ["Failures > Not Throw"] = $"Expected no exception to be thrown, but an exception \"boom\" was thrown from {path}:{LineOf(path, "Should -Not -Throw")}.",
            ["Failures > throws an error of its own"] = "RuntimeException: plain failure",
            ["Failures > AfterEach > fails when AfterEach throws"] = "RuntimeException: teardown failed",
            ["Failures > AfterAll"] = "RuntimeException: AfterAll failed",
            ["Leaks > would see it if It scopes leaked"] = "Expected 'yes', but got $null.",
        };
        Assert.Equal(expected.Keys.Order(), result.Failures.Select(f => f.Name).Order());
        foreach (var failure in result.Failures)
        {
            Assert.Equal(expected[failure.Name], FirstLine(failure.Message));
        }

        // The failing Should's line and location follow the message, in the report too.
        var be = result.Failures.Single(f => f.Name == "Failures > Be");
        Assert.Equal($"at It 'Be' {{ 4 | Should -Be 5 }}, {path}:{LineOf(path, "4 | Should -Be 5 }")}", be.Message.Split('\n')[1].TrimEnd('\r'));
        var reported = result.Output.ToList().FindIndex(line => line.StartsWith("[-] Failures > Be (", StringComparison.Ordinal));
        Assert.Equal("    Expected 5, but got 4.", result.Output[reported + 1]);
        Assert.Equal("Tests Passed: 2, Failed: 22, Skipped: 1", result.Output[^1]);
    }

    [Fact]
    public void ThrowingBeforeAllFailsEveryTestOfItsBlockOnly()
    {
        var result = PesterSuite.Run(Fixture("BeforeAllThrows.Tests.ps1"));

        Assert.Equal((1, 3, 1, 5), (result.Passed, result.Failed, result.Skipped, result.Total));
        Assert.Equal(
            ["Setup fails > first", "Setup fails > second", "Setup fails > nested > third"],
            result.Failures.Select(f => f.Name));
        Assert.All(result.Failures, f => Assert.Equal("RuntimeException: setup exploded", FirstLine(f.Message)));
    }

    [Fact]
    public void UnparsableFileCountsAsOneFailureNamedByTheFile()
    {
        var path = Fixture("ParseError.Tests.ps1");
        var result = PesterSuite.Run(path);

        Assert.Equal((0, 1, 0, 1), (result.Passed, result.Failed, result.Skipped, result.Total));
        var failure = Assert.Single(result.Failures);
        Assert.Equal(path, failure.Name);
        Assert.Contains("Missing closing '}'", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DirectoryRunsEveryTestsFileInIt()
    {
        var result = PesterSuite.Run(Path.Combine(PesterSuite.PesterLiteDirectory, "Fixtures"));

        Assert.Equal((31, 26, 4, 61), (result.Passed, result.Failed, result.Skipped, result.Total));
        Assert.Equal("Tests Passed: 31, Failed: 26, Skipped: 4", result.Output[^1]);
    }

    [Fact]
    public void ImportsTheGivenModulesFirst()
    {
        var directory = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "PesterLiteTests-" + Guid.NewGuid().ToString("N")));
        try
        {
            var module = Path.Combine(directory.FullName, "Answer.psm1");
            File.WriteAllText(module, "function Get-Answer { 42 }");
            var tests = Path.Combine(directory.FullName, "Answer.Tests.ps1");
            File.WriteAllText(tests, "Describe 'Answer' { It 'comes from the module' { Get-Answer | Should -Be 42 } }");

            var withModule = PesterSuite.Run(tests, [module]);
            var withoutModule = PesterSuite.Run(tests);

            Assert.Equal((1, 0), (withModule.Passed, withModule.Failed));
            Assert.Equal((0, 1), (withoutModule.Passed, withoutModule.Failed));
            Assert.StartsWith("CommandNotFoundException:", withoutModule.Failures[0].Message, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static string FirstLine(string text) => text.Split('\n')[0].TrimEnd('\r');

    private static int LineOf(string path, string text) =>
        File.ReadAllLines(path).ToList().FindIndex(line => line.Contains(text, StringComparison.Ordinal)) + 1;
}
