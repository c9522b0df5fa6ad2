namespace DataPipeline.Engine.Mat;

/// <summary>
/// A MAT-file that cannot be read as it claims to be: truncated, corrupt or inconsistent. The message
/// names the file, the variable (when one was being read) and where in the file the reader stopped,
/// so a user can tell a damaged transfer from a writer bug.
/// </summary>
public sealed class MatFormatException : Exception
{
    public MatFormatException(string file, string? variable, string location, string problem, Exception? inner = null)
        : base(Compose(file, variable, location, problem), inner)
    {
        File = file;
        Variable = variable;
        Location = location;
        Problem = problem;
    }

    /// <summary>The file being read.</summary>
    public string File { get; }

    /// <summary>The top-level variable being read, or null when the file as a whole is at fault.</summary>
    public string? Variable { get; }

    /// <summary>Where: "byte N", or a byte inside a compressed element.</summary>
    public string Location { get; }

    /// <summary>What is wrong, without the file and location.</summary>
    public string Problem { get; }

    private static string Compose(string file, string? variable, string location, string problem) =>
        variable is null
            ? $"{file}: {location}: {problem}"
            : $"{file}: variable '{variable}', {location}: {problem}";
}
