using System.Management.Automation;
using DataPipeline.Engine.Frames;

namespace DataPipeline.PowerShell.Commands;

/// <summary>
/// Streams frames from HDF5 frame stores written by Export-FrameDataset: all of them (checked
/// against the store's content hash), those at the given store positions, or a range of them.
/// Only one chunk block of frames is in memory at a time.
/// </summary>
[Cmdlet(VerbsData.Import, "FrameDataset", DefaultParameterSetName = PathSet)]
[OutputType(typeof(Frame))]
public sealed class ImportFrameDatasetCommand : DataPipelineCmdlet
{
    private const string AllSet = "All", IndexSet = "Index", RangeSet = "Range";

    /// <summary>Frame stores; wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
    [SupportsWildcards]
    public string[] Path { get; set; } = [];

    /// <summary>Frame stores named as typed ([ ] are not wildcards); binds the PSPath (or FullName) of piped items.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
    [Alias("PSPath", "LPath", "FullName")]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>Store positions (0-based, in the order written) of the frames to read, in the order given.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int[] Index { get; set; } = [];

    /// <summary>First and last store position to read, both included (like 100..199).</summary>
    [Parameter]
    [ValidateCount(2, 2)]
    [ValidateRange(0, int.MaxValue)]
    public int[] Range { get; set; } = [];

    /// <summary>All frames, -Index or -Range: one choice, checked here since -Path/-LiteralPath hold the parameter sets.</summary>
    private string Selection => IsBound(nameof(Index)) ? IndexSet : IsBound(nameof(Range)) ? RangeSet : AllSet;

    protected override void BeginProcessing()
    {
        if (IsBound(nameof(Index)) && IsBound(nameof(Range)))
            ThrowArgumentError(new ArgumentException("-Index and -Range both pick frames; give one of them."), "ConflictingSelection", Range);
    }

    protected override void ProcessRecord()
    {
        foreach (string path in ResolveInputPaths(IsLiteral ? LiteralPath : Path, IsLiteral, notFoundId: "FrameStoreNotFound"))
            ImportOne(path);
    }

    private void ImportOne(string path)
    {
        FrameStoreReader reader;
        try
        {
            reader = FrameStoreReader.Open(path);
        }
        catch (FileNotFoundException e)
        {
            WriteError(new ErrorRecord(e, "FrameStoreNotFound", ErrorCategory.ObjectNotFound, path));
            return;
        }
        catch (FrameStoreException e)
        {
            WriteError(new ErrorRecord(e, "FrameStoreUnreadable", ErrorCategory.InvalidData, path));
            return;
        }
        using (reader)
        {
            if (Selection == RangeSet && Range[0] > Range[1])
            {
                WriteError(new ErrorRecord(new ArgumentException($"-Range {Range[0]}, {Range[1]}: the first position is after the last."),
                    "InvalidFrameRange", ErrorCategory.InvalidArgument, Range));
                return;
            }
            int[] outside = Selection switch
            {
                IndexSet => Index.Where(i => i >= reader.Count).ToArray(),
                RangeSet => Range[1] >= reader.Count ? [Range[1]] : [],
                _ => [],
            };
            if (outside.Length > 0)
            {
                var e = new ArgumentOutOfRangeException(Selection, $"{path} holds frames 0 to {reader.Count - 1}; position {string.Join(", ", outside)} is outside it.");
                WriteError(new ErrorRecord(e, "FrameIndexOutOfRange", ErrorCategory.InvalidArgument, outside));
                return;
            }
            var frames = Selection switch
            {
                IndexSet => Index.Select(reader.Read),
                RangeSet => reader.ReadRange(Range[0], Range[1] - Range[0] + 1),
                _ => reader.ReadAll(),
            };
            try
            {
                foreach (var frame in frames)
                    WriteObject(frame);
            }
            catch (FrameStoreException e)
            {
                WriteError(new ErrorRecord(e, "FrameStoreDamaged", ErrorCategory.InvalidData, path));
            }
        }
    }
}
