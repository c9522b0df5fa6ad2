namespace DataPipeline.Tests;

/// <summary>Locations of the repository and of ../shared (the corpus and the peer benchmarks).</summary>
internal static class SharedPaths
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string Shared => Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared"));

    public static string BenchConfigs => Path.Combine(Shared, "bench", "configs");

    public static string ModuleManifest => Path.Combine(AppContext.BaseDirectory, "DataPipeline.psd1");

    /// <summary>The small U-Net configuration shared with the Pester suite (tests/Pester/TestData).</summary>
    public static string SmallConfig => Path.Combine(AppContext.BaseDirectory, "Pester", "TestData", "small.toml");

    /// <summary>
    /// A file in the build output of a project this test project builds without referencing it
    /// (bench/DataPipeline.Bench, tests/ConflictingTomlyn), in this build's configuration; asserts it exists.
    /// </summary>
    public static string SiblingBuildOutput(string project, string framework, string file)
    {
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        string path = Path.Combine(RepositoryRoot, project, "bin", configuration, framework, file);
        Xunit.Assert.True(File.Exists(path), $"{path} is missing: build {project}.");
        return path;
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DataPipeline.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("Tests must run from inside the repository (DataPipeline.sln not found above " + AppContext.BaseDirectory + ").");
    }
}
