using System.Management.Automation;

namespace DataPipeline.PowerShell.Commands;

/// <summary>
/// A cmdlet that writes one file or folder named by -Path (a wildcard pattern must match exactly
/// one existing item, as Out-File's -Path does) or -LiteralPath (as typed). What the target is, a
/// file or a folder, each cmdlet's remarks say.
/// </summary>
public abstract class OutputPathCmdlet : DataPipelineCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [SupportsWildcards]
    public string Path { get; set; } = "";

    /// <summary>The target as typed: [ ] and * are part of the name, not wildcards.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet)]
    [Alias("PSPath", "LPath")]
    public string LiteralPath { get; set; } = "";

    /// <summary>The full path of the file or folder to write, from whichever of the two was given.</summary>
    protected string ResolveTarget() => ResolveOutputPath(IsLiteral ? LiteralPath : Path, IsLiteral);
}
