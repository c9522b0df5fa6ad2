using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Configuration;
using Xunit;

namespace DataPipeline.Tests.Engine;

/// <summary>The per-batch transform hook: on the prefetch workers, deterministic, timed, and failing with the batch's id.</summary>
public class BatchTransformTests
{
    /// <summary>Adds a seeded draw to every value and remembers the threads it ran on.</summary>
    private sealed class AddDraw : IBatchTransform
    {
        public readonly System.Collections.Concurrent.ConcurrentBag<int> Threads = [];
        public int FailOn = -1;

        public void Apply(Batch batch, Random random)
        {
            Threads.Add(Environment.CurrentManagedThreadId);
            if (batch.Number == FailOn) throw new InvalidOperationException("bad batch");
            float shift = (float)random.NextDouble();
            for (int i = 0; i < batch.Data.Length; i++) batch.Data[i] += shift;
        }
    }

    private static BatchGenerator Generator(IBatchTransform? transform, int workers = 1) =>
        new(BatchGeneratorTests.Frames(40), new BatchSettings { BatchSize = 4, ValidationFraction = 0.2, Seed = 5, Workers = workers, Prefetch = 2 },
            null, null, transform);

    [Fact]
    public void TransformedBatchesAreTheSameOnAnyNumberOfWorkersAndOnTheCallersThread()
    {
        var plain = Generator(null).GetBatches(BatchSplit.Training, 1).Select(b => b.Data.ToArray()).ToArray();
        var inline = Generator(new AddDraw()).GetBatches(BatchSplit.Training, 1).Select(b => b.Data.ToArray()).ToArray();
        var transform = new AddDraw();
        using var streamed = Generator(transform, workers: 3);
        var prefetched = streamed.Stream(new BatchPrefetcher(), BatchSplit.Training, 1).Select(b => b.Data.ToArray()).ToArray();
        Assert.Equal(inline, prefetched);
        Assert.Equal(8, inline.Length);
        for (int b = 0; b < plain.Length; b++)
        {
            // Each batch is shifted by one draw of its own, the same draw every time.
            float shift = inline[b][0] - plain[b][0];
            Assert.InRange(shift, 0f, 1f);
            Assert.All(inline[b].Zip(plain[b]), p => Assert.Equal(p.Second + shift, p.First, 1e-5f));
            if (b > 0) Assert.NotEqual(inline[b - 1][0] - plain[b - 1][0], shift);
        }
        // The workers ran it, not the consumer, and every batch was timed.
        Assert.DoesNotContain(Environment.CurrentManagedThreadId, transform.Threads);
        Assert.Equal(8, streamed.TransformStatistics.Batches);
        Assert.True(streamed.TransformStatistics.MeanMilliseconds >= 0);
        Assert.Equal(2, streamed.GetBatches(BatchSplit.Validation, 0).Count());
        Assert.Equal(10, streamed.TransformStatistics.Batches); // validation batches too
    }

    [Fact]
    public void AFailureReachesTheConsumerWithTheBatchsIdAfterTheGoodBatches()
    {
        using var generator = Generator(new AddDraw { FailOn = 5 }, workers: 3);
        var got = new List<int>();
        var error = Assert.Throws<BatchTransformException>(() =>
        {
            foreach (var batch in generator.Stream(new BatchPrefetcher(), BatchSplit.Training, 0)) got.Add(batch.Number);
        });
        Assert.Equal([0, 1, 2, 3, 4], got);
        Assert.Equal((BatchSplit.Training, 1, 5), (error.Split, error.Epoch, error.Number));
        Assert.Equal("training/epoch 1/batch 5", error.BatchId);
        Assert.Contains("training batch 5 of epoch 1", error.Message);
        Assert.Contains("bad batch", error.Message);
        Assert.IsType<InvalidOperationException>(error.InnerException);
    }
}
