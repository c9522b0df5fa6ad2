using System.Management.Automation;
using DataPipeline.Engine.Mat;

namespace DataPipeline.PowerShell.Commands;

/// <summary>
/// Reads the variables of MATLAB files (level 4, v6, v7, v7.3): one MatVariable per variable, with
/// its class, size and values. A damaged file gives an error for that file and the next goes on.
/// </summary>
[Cmdlet(VerbsCommon.Get, "MatVariable", DefaultParameterSetName = PathSet)]
[OutputType(typeof(MatVariable))]
public sealed class GetMatVariableCommand : DataPipelineCmdlet
{
    /// <summary>MAT-files; wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
    [SupportsWildcards]
    public string[] Path { get; set; } = [];

    /// <summary>
    /// Paths taken as typed ([ ] are not wildcards); binds the PSPath of piped items (Get-ChildItem),
    /// or the FullName of FileInfo objects made in .NET, which carry no PSPath.
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
    [Alias("PSPath", "LPath", "FullName")]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>Variable names to return (wildcards); all when omitted.</summary>
    [Parameter(Position = 1)]
    [SupportsWildcards]
    public string[]? Name { get; set; }

    protected override void ProcessRecord()
    {
        var patterns = Name?.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToList();
        foreach (string file in ResolveInputPaths(IsLiteral ? LiteralPath : Path, IsLiteral))
        {
            // A damaged file yields its error and no variables: half a file would pass for a whole one.
            var values = new List<MatVariable>();
            try
            {
                using var mat = MatFile.Open(file);
                foreach (var info in mat.Variables)
                {
                    if (patterns is not null && !patterns.Any(p => p.IsMatch(info.Name))) continue;
                    values.Add(mat.Read(info.Name));
                }
            }
            catch (Exception e) when (e is MatFormatException or IOException or UnauthorizedAccessException)
            {
                WriteError(FileError(e, file));
                continue;
            }
            WriteObject(values, enumerateCollection: true);
        }
    }
}
