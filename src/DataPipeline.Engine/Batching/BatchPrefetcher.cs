using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace DataPipeline.Engine.Batching;

/// <summary>
/// Builds batches on background worker tasks, a bounded number ahead, while the model trains on
/// the previous ones, and measures how long the consumer waited for data. An exception in a
/// worker is rethrown in the consumer's loop, never lost or turned into a hang.
///
/// Synchronous on the consumer side on purpose: TorchSharp's dispose scopes are per thread, so
/// the training loop must not hop threads between steps.
/// </summary>
public sealed class BatchPrefetcher
{
    private readonly Stopwatch _waiting = new();

    /// <summary>Time the consumer spent blocked on data since this prefetcher was made.</summary>
    public TimeSpan WaitTime => _waiting.Elapsed;

    /// <summary>
    /// Batches 0..<paramref name="count"/>-1 made by <paramref name="build"/> on <paramref name="workers"/>
    /// background tasks, yielded in order. Workers claim batch numbers in turn and hold at most
    /// <paramref name="depth"/> + <paramref name="workers"/> batches beyond the consumer (the ones
    /// being built and the ones ready), so memory stays bounded. Each batch depends only on its
    /// number, so the sequence is the same for any worker count. The first exception in a worker
    /// stops the others and is rethrown in the consumer.
    /// </summary>
    public IEnumerable<Batch> Prefetch(int count, Func<int, Batch> build, int depth, int workers, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(build);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegative(depth);
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        return Pool(count, build, depth, workers, cancellation);
    }

    private IEnumerable<Batch> Pool(int count, Func<int, Batch> build, int depth, int workers, CancellationToken cancellation)
    {
        var ready = new Batch?[count];
        var gate = new object();
        int next = -1;
        ExceptionDispatchInfo? failure = null;
        int failedAt = int.MaxValue; // the lowest batch number whose build threw
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        using var slots = new SemaphoreSlim(depth + workers);

        void Work()
        {
            int number = -1;
            try
            {
                while (true)
                {
                    slots.Wait(stop.Token);
                    number = Interlocked.Increment(ref next);
                    if (number >= count) return;
                    var batch = build(number);
                    lock (gate)
                    {
                        ready[number] = batch;
                        Monitor.PulseAll(gate);
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // The consumer left early, was cancelled, or another worker failed.
            }
            catch (Exception e)
            {
                lock (gate)
                {
                    // Batches before the failing one were claimed earlier and still arrive, so the
                    // consumer gets every good batch in order and then the error.
                    if (number < failedAt)
                    {
                        failedAt = number;
                        failure = ExceptionDispatchInfo.Capture(e);
                    }
                    Monitor.PulseAll(gate);
                }
                stop.Cancel();
            }
        }

        var tasks = new Task[Math.Min(workers, Math.Max(count, 1))];
        for (int w = 0; w < tasks.Length; w++)
            tasks[w] = Task.Run(Work, CancellationToken.None);
        // Wake the consumer when cancelled from outside, since it waits on the monitor.
        using var wake = cancellation.Register(() => { lock (gate) Monitor.PulseAll(gate); });
        try
        {
            for (int b = 0; b < count; b++)
            {
                Batch? batch;
                _waiting.Start();
                try
                {
                    lock (gate)
                    {
                        while ((batch = ready[b]) is null && b < failedAt && !cancellation.IsCancellationRequested)
                            Monitor.Wait(gate);
                        ready[b] = null;
                    }
                }
                finally
                {
                    _waiting.Stop();
                }
                if (batch is null)
                {
                    failure?.Throw();
                    cancellation.ThrowIfCancellationRequested();
                }
                slots.Release();
                yield return batch!;
            }
        }
        finally
        {
            stop.Cancel();
            try { Task.WaitAll(tasks, CancellationToken.None); } catch (AggregateException) { }
        }
    }
}
