using System.Management.Automation;
using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Frames;

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
        try
        {
            foreach (var batch in Generator.GetBatches(Split, Epoch - 1).Take(First))
                WriteObject(batch);
        }
        catch (BatchTransformException e)
        {
            // The batches before it came out; the failing one is named, and the generator's others still can be.
            WriteError(TransformFailed(e));
        }
        catch (FrameStoreException e)
        {
            WriteError(new ErrorRecord(e, "FrameStoreUnreadable", ErrorCategory.InvalidData, e.Path)
            {
                ErrorDetails = new ErrorDetails($"{e.Message} Check the store with Import-FrameDataset (it verifies the content hash), or write it again."),
            });
        }
        if (Generator.Transform is not null)
            WriteVerbose($"-Transform: {Generator.TransformStatistics} (all batches of this generator so far).");
    }

    /// <summary>A failed -Transform as an error whose target is the batch's id (training/epoch 2/batch 5).</summary>
    internal static ErrorRecord TransformFailed(BatchTransformException e) =>
        new(e, "BatchTransformFailed", ErrorCategory.InvalidResult, e.BatchId)
        {
            ErrorDetails = new ErrorDetails($"{e.Message} Fix the -Transform script block given to New-BatchGenerator."),
        };
}
