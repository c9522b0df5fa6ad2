using System.Collections.Concurrent;
using System.Globalization;
using System.Management.Automation;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Mat;
using DataPipeline.PowerShell.Completion;
using Cutoff = DataPipeline.Engine.Configuration.SvdCutoff;

namespace DataPipeline.PowerShell.Commands;

/// <summary>
/// Streams Frames from folders of MATLAB files, file by file in path order, by the [data] settings
/// (parameters override the config file). Files are decoded in parallel; a file that cannot be used
/// gives an error for that file and the import goes on.
/// </summary>
[Cmdlet(VerbsData.Import, "MatDataset", DefaultParameterSetName = PathSet)]
[OutputType(typeof(Frame))]
public sealed class ImportMatDatasetCommand : DataPipelineCmdlet
{
    private readonly List<string> _paths = [];
    private readonly CancellationTokenSource _stop = new();

    /// <summary>Folders (their *.mat files) and files; wildcards allowed.</summary>
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

    /// <summary>Also read *.mat files in subfolders.</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    /// <summary>Struct path of the data array, e.g. low_res.das.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(MatArrayPathCompleter))]
    public string? DataVariable { get; set; }

    /// <summary>Struct path of the label array, e.g. conf_map.gauss; an empty string for no labels.</summary>
    [Parameter]
    [AllowEmptyString]
    [ArgumentCompleter(typeof(MatArrayPathCompleter))]
    public string? LabelVariable { get; set; }

    [Parameter]
    public MatReduction Reduce { get; set; }

    /// <summary>MATLAB (1-based) dimension that -Reduce collapses.</summary>
    [Parameter]
    [ValidateRange(1, 32)]
    public int ReduceDim { get; set; }

    [Parameter]
    public ComplexPart ComplexPart { get; set; }

    /// <summary>Per-frame scaling of the data; raw beamformed values near 1e-22 make training collapse.</summary>
    [Parameter]
    public MatNormalization Normalize { get; set; }

    /// <summary>MATLAB (1-based) dimension holding many frames; 0 gives one frame per file.</summary>
    [Parameter]
    [ValidateRange(0, 32)]
    public int FrameDim { get; set; }

    /// <summary>
    /// SVD clutter filter on the data's H x W x T sequence before anything else: keep singular components
    /// lo..hi (1-based) of its Casorati matrix, remove the rest (the first ones are tissue); or auto, which
    /// removes per sequence the leading components more than 20 dB above the median singular value.
    /// </summary>
    [Parameter]
    [ValidateCount(1, 2)]
    public string[]? SvdCutoff { get; set; }

    /// <summary>Files decoded at once; 0 uses every core.</summary>
    [Parameter]
    [ValidateRange(0, 256)]
    public int ThrottleLimit { get; set; }

    [Parameter]
    public string? Config { get; set; }

    protected override void ProcessRecord()
    {
        _paths.AddRange(ResolveInputPaths(IsLiteral ? LiteralPath : Path, IsLiteral));
    }

    protected override void EndProcessing()
    {
        var settings = LoadConfig(Config).Data;
        if (IsBound(nameof(DataVariable))) settings.DataVariable = DataVariable!;
        if (IsBound(nameof(LabelVariable))) settings.LabelVariable = LabelVariable ?? "";
        if (IsBound(nameof(Reduce))) settings.Reduce = Reduce;
        if (IsBound(nameof(ReduceDim))) settings.ReduceDim = ReduceDim;
        if (IsBound(nameof(ComplexPart))) settings.ComplexPart = ComplexPart;
        if (IsBound(nameof(Normalize))) settings.Normalize = Normalize;
        if (IsBound(nameof(FrameDim))) settings.FrameDim = FrameDim;
        if (IsBound(nameof(SvdCutoff)))
            settings.SvdCutoff = ParseSvdCutoff(SvdCutoff!);

        var files = MatDatasetImporter.FindFiles(_paths, Recurse);

        // Worker threads cannot write to the pipeline: their notices wait here for the loop below.
        var notices = new ConcurrentQueue<string>();
        MatDatasetImporter importer;
        try
        {
            importer = new MatDatasetImporter(settings, ThrottleLimit > 0 ? ThrottleLimit : Environment.ProcessorCount, notices.Enqueue);
        }
        catch (FormatException e)
        {
            ThrowArgumentError(e, "InvalidVariablePath", settings);
            return;
        }
        catch (ArgumentException e)
        {
            // Settings that contradict each other (complex_part = iq with reduce = max, ...).
            ThrowArgumentError(e, "InvalidDataSettings", settings);
            return;
        }

        var progress = new ProgressRecord(2, "Importing MAT-files", "starting");
        int done = 0;
        foreach (var result in importer.Import(files, _stop.Token))
        {
            done++;
            while (notices.TryDequeue(out string? notice)) WriteVerbose(notice);
            if (result.Error is not null) WriteError(FileError(result.Error, result.File));
            foreach (var frame in result.Frames) WriteObject(frame);
            progress.StatusDescription = $"{done} of {files.Count}: {System.IO.Path.GetFileName(result.File)}";
            progress.PercentComplete = (int)(100L * done / files.Count);
            WriteProgress(progress);
        }
        progress.RecordType = ProgressRecordType.Completed;
        WriteProgress(progress);
    }

    protected override void StopProcessing() => _stop.Cancel();

    /// <summary>-SvdCutoff auto, or lo,hi (two integers, 0 <= lo <= hi; 0,0 turns the filter off).</summary>
    private Cutoff ParseSvdCutoff(string[] given)
    {
        if (given.Length == 1 && string.Equals(given[0], "auto", StringComparison.OrdinalIgnoreCase))
            return Cutoff.Auto;
        if (given.Length == 2
            && int.TryParse(given[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int lo)
            && int.TryParse(given[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int hi)
            && 0 <= lo && lo <= hi)
            return new Cutoff(lo, hi);
        ThrowTerminatingError(new ErrorRecord(
            new ArgumentException($"-SvdCutoff {string.Join(",", given)}: give auto, or the kept singular components as lo,hi with 0 <= lo <= hi (0,0 turns the filter off)."),
            "SvdCutoffInvalid", ErrorCategory.InvalidArgument, given));
        return default; // not reached: ThrowTerminatingError throws
    }
}
