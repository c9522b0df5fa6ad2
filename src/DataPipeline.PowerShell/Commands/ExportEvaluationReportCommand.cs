using System.Management.Automation;
using DataPipeline.Engine.Evaluation;
using DataPipeline.Engine.Reporting;

namespace DataPipeline.PowerShell.Commands;

/// <summary>
/// Writes an EvaluationResult's figures (ROC curve, precision and recall against the threshold,
/// localisation-error histogram) as PNG files and an offline HTML page with the scores.
/// </summary>
/// <remarks>The folder (-Path); created when missing.</remarks>
[Cmdlet(VerbsData.Export, "EvaluationReport", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
[OutputType(typeof(FileInfo))]
public sealed class ExportEvaluationReportCommand : OutputPathCmdlet
{
    private int _received;

    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public EvaluationResult InputObject { get; set; } = null!;

    /// <summary>The start of every file name; a second result piped in gets "-2", a third "-3".</summary>
    [Parameter]
    [ValidatePattern(@"^[A-Za-z0-9._-]+$")]
    public string Name { get; set; } = "evaluation";

    /// <summary>Which files to write; both by default.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public EvaluationReportFormat[] Format { get; set; } = [EvaluationReportFormat.Png, EvaluationReportFormat.Html];

    /// <summary>Emit the FileInfo of every written file.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        string directory = ResolveTarget();
        string name = ++_received == 1 ? Name : $"{Name}-{_received}";
        if (!ShouldProcess(directory, $"Write the {string.Join(", ", Format.Distinct())} report {name} of {InputObject.FrameCount} evaluated frames")) return;
        if (InputObject.RocCurve.Count == 0)
            WriteWarning("The result has no pixel-wise counts (no frame had a label map), so there is no ROC curve; evaluate frames with labels for one.");
        IEnumerable<string> written;
        try
        {
            written = EvaluationReport.Write(InputObject, directory, name,
                png: Format.Contains(EvaluationReportFormat.Png), html: Format.Contains(EvaluationReportFormat.Html));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            WriteError(new ErrorRecord(e, "EvaluationReportWriteFailed", ErrorCategory.WriteError, directory));
            return;
        }
        if (PassThru)
        {
            foreach (var path in written)
                WriteItem(path);
        }
    }
}
