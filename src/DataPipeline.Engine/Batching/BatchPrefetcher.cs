using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace DataPipeline.Engine.Batching;

/// <summary>
/// Builds batches on a background task into a bounded queue while the model trains on the
/// previous ones, and measures how long the consumer waited for data. An exception in the
/// producer is rethrown in the consumer's loop, never lost or turned into a hang.
///
/// Synchronous on the consumer side on purpose: TorchSharp's dispose scopes are per thread, so
/// the training loop must not hop threads between steps.
/// </summary>
public sealed class BatchPrefetcher
{
    private readonly Stopwatch _waiting = new();

    /// <summary>Time the consumer spent blocked on data since this prefetcher was made.</summary>
    public TimeSpan WaitTime => _waiting.Elapsed;

    public IEnumerable<Batch> Prefetch(IEnumerable<Batch> source, int depth, CancellationToken cancellation = default)
    {
        if (depth <= 0)
        {
            using var direct = source.GetEnumerator();
            while (true)
            {
                _waiting.Start();
                bool more = direct.MoveNext();
                _waiting.Stop();
                if (!more) yield break;
                yield return direct.Current;
            }
        }

        using var queue = new BlockingCollection<Batch>(depth);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        ExceptionDispatchInfo? failure = null;
        var producer = Task.Run(() =>
        {
            try
            {
                foreach (var batch in source)
                    queue.Add(batch, stop.Token);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // The consumer left early or was cancelled; nothing to report.
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                queue.CompleteAdding();
            }
        }, CancellationToken.None);

        try
        {
            while (true)
            {
                Batch? next;
                _waiting.Start();
                try
                {
                    if (!queue.TryTake(out next, Timeout.Infinite, cancellation)) next = null;
                }
                finally
                {
                    _waiting.Stop();
                }
                if (next is null) break;
                yield return next;
            }
            producer.Wait(CancellationToken.None);
            failure?.Throw();
        }
        finally
        {
            stop.Cancel();
            try { producer.Wait(CancellationToken.None); } catch (AggregateException) { }
        }
    }
}
