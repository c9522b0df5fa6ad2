using System.Management.Automation;
using DataPipeline.Engine.Batching;

namespace DataPipeline.PowerShell.Commands;

/// <summary>
/// The batches a generator yields for one epoch, for inspection and for users' own loops: training
/// batches augmented exactly as training sees them, built on the caller's thread.
/// </summary>
[Cmdlet(VerbsCommon.Get, "Batch")]
[OutputType(typeof(Batch))]
public sealed class GetBatchCommand : DataPipelineCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipeline = true, Position = 0)]
    public BatchGenerator Generator { get; set; } = null!;

    [Parameter]
    public BatchSplit Split { get; set; } = BatchSplit.Training;

    /// <summary>The epoch, from 1 as the history and run.log count; each has its own order when shuffling.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Epoch { get; set; } = 1;

    /// <summary>Only the first k batches.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int First { get; set; } = int.MaxValue;

    protected override void ProcessRecord()
    {
        foreach (var batch in Generator.GetBatches(Split, Epoch - 1).Take(First))
            WriteObject(batch);
    }
}
