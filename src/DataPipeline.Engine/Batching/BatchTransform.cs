using System.Diagnostics;

namespace DataPipeline.Engine.Batching;

/// <summary>
/// A user's step applied to every batch after it is built and augmented, on the worker that built
/// it (ketos's per-batch transform): it may change Data and Label in place. It must depend only on
/// the batch and <paramref name="random"/>'s draws, so batches stay the same whichever worker builds them.
/// </summary>
public interface IBatchTransform
{
    /// <param name="random">Seeded by (generator seed, epoch, batch number): the same draws for the same batch every time.</param>
    void Apply(Batch batch, Random random);
}

/// <summary>A transform failed on one batch; the batch's id says which.</summary>
public sealed class BatchTransformException(Batch batch, Exception inner)
    : Exception($"The batch transform failed on {batch.Split.ToString().ToLowerInvariant()} batch {batch.Number} of epoch {batch.Epoch} (frames {string.Join(", ", batch.Indices)}): {inner.Message}", inner)
{
    public BatchSplit Split { get; } = batch.Split;

    /// <summary>The epoch, from 1 as Batch.Epoch counts.</summary>
    public int Epoch { get; } = batch.Epoch;

    public int Number { get; } = batch.Number;

    /// <summary>"training/epoch 2/batch 5": the batch's id, as errors and logs name it.</summary>
    public string BatchId => $"{Split.ToString().ToLowerInvariant()}/epoch {Epoch}/batch {Number}";
}

/// <summary>
/// How much a generator's transform costs: batches transformed and the time spent in the
/// transform, summed over every worker (thread-safe). MeanMilliseconds is the cost per batch.
/// </summary>
public sealed class BatchTransformStatistics
{
    private long _batches, _ticks;

    public long Batches => Interlocked.Read(ref _batches);
    public TimeSpan Total => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _ticks));

    /// <summary>Milliseconds per transformed batch; NaN before the first.</summary>
    public double MeanMilliseconds => Batches == 0 ? double.NaN : Total.TotalMilliseconds / Batches;

    internal void Add(long elapsedTimestampTicks)
    {
        Interlocked.Add(ref _ticks, elapsedTimestampTicks);
        Interlocked.Increment(ref _batches);
    }

    public override string ToString() =>
        Batches == 0 ? "no batch transformed yet" : $"{Batches} batches, {MeanMilliseconds:F3} ms per batch";
}
