using DataPipeline.Tests.Pester;
using Xunit;

namespace DataPipeline.Tests.Pipeline;

/// <summary>Runs each tests/Pester/*.Tests.ps1 file with the module imported, through PesterLite.</summary>
public class PesterSuiteTests
{
    private static string PesterDirectory => Path.Combine(AppContext.BaseDirectory, "Pester");

    public static TheoryData<string> Files() =>
        new(Directory.GetFiles(PesterDirectory, "*.Tests.ps1").Select(Path.GetFileName).Order()!);

    [Theory]
    [MemberData(nameof(Files))]
    public void PesterFilePasses(string file)
    {
        var result = PesterSuite.Run(Path.Combine(PesterDirectory, file), [SharedPaths.ModuleManifest]);
        Assert.True(result.Failed == 0, result.Report);
        Assert.True(result.Passed > 0, $"{file} ran no test.\n{result.Report}");
    }
}
