namespace DataPipeline.Tests.Pipeline;

/// <summary>
/// A test class's own temporary folder, a PowerShell session with the module imported working in it,
/// and the small test configurations (small.toml, small3d.toml) beside it; all removed afterwards.
/// </summary>
public abstract class PipelineFolder : IDisposable
{
    protected PipelineFolder(string prefix)
    {
        Dir = Directory.CreateTempSubdirectory(prefix).FullName;
        Session = new ModuleSession(Dir);
        string testData = Path.GetDirectoryName(SharedPaths.SmallConfig)!;
        foreach (var config in new[] { "small.toml", "small3d.toml" })
            File.Copy(Path.Combine(testData, config), Path.Combine(Dir, config));
    }

    protected string Dir { get; }
    private protected ModuleSession Session { get; }

    public void Dispose()
    {
        Session.Dispose();
        Directory.Delete(Dir, recursive: true);
        GC.SuppressFinalize(this);
    }
}
