using System.Management.Automation;
using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Frames;

namespace DataPipeline.PowerShell.Commands;

/// <summary>
/// Collects frames from the pipeline into one BatchGenerator: a seeded validation split and
/// epochs that visit every training frame exactly once.
/// </summary>
[Cmdlet(VerbsCommon.New, "BatchGenerator")]
[OutputType(typeof(BatchGenerator))]
public sealed class NewBatchGeneratorCommand : DataPipelineCmdlet
{
    private readonly List<Frame> _frames = [];

    [Parameter(Mandatory = true, ValueFromPipeline = true, Position = 0)]
    public Frame[] InputObject { get; set; } = [];

    [Parameter]
    [ValidateRange(1, 65536)]
    public int BatchSize { get; set; }

    /// <summary>Reshuffle training frames each epoch (the default); -Shuffle:$false keeps their order.</summary>
    [Parameter]
    public SwitchParameter Shuffle { get; set; }

    [Parameter]
    [ValidateRange(0.0, 0.99)]
    public double ValidationFraction { get; set; }

    [Parameter]
    public SwitchParameter DropLast { get; set; }

    [Parameter]
    public long Seed { get; set; }

    [Parameter]
    public string? Config { get; set; }

    private BatchSettings _settings = new();

    protected override void BeginProcessing()
    {
        _settings = LoadConfig(Config).Batch;
        if (IsBound(nameof(BatchSize))) _settings.BatchSize = BatchSize;
        if (IsBound(nameof(Shuffle))) _settings.Shuffle = Shuffle.IsPresent;
        if (IsBound(nameof(ValidationFraction))) _settings.ValidationFraction = ValidationFraction;
        if (IsBound(nameof(DropLast))) _settings.DropLast = DropLast.IsPresent;
        if (IsBound(nameof(Seed))) _settings.Seed = Seed;
    }

    protected override void ProcessRecord() => _frames.AddRange(InputObject);

    protected override void EndProcessing()
    {
        try
        {
            WriteObject(new BatchGenerator(_frames, _settings));
        }
        catch (ArgumentException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, "InvalidFrames", ErrorCategory.InvalidData, _frames.Count));
        }
    }
}
