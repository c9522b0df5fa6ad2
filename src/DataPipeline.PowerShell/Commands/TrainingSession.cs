using System.Collections.Concurrent;
using System.Globalization;
using System.Management.Automation;
using System.Runtime.ExceptionServices;
using DataPipeline.Engine.Training;

namespace DataPipeline.PowerShell.Commands;

/// <summary>
/// Runs training on worker threads while the pipeline thread, the only one allowed to, writes their
/// progress bars, warnings and verbose lines. StopProcessing (Ctrl+C) cancels the runs, which stop
/// after their current step, writing last.ckpt and run.log; the pipeline then stops as for any command.
/// Shared by Invoke-UNetTraining and Invoke-TrainingSweep.
/// </summary>
internal sealed class TrainingSession(PSCmdlet cmdlet)
{
    private readonly CancellationTokenSource _stop = new();

    public bool StopRequested => _stop.IsCancellationRequested;

    public void Stop() => _stop.Cancel();

    /// <summary>One training to run: its epochs and progress-bar title, and the work.</summary>
    public sealed record Job<T>(int Epochs, string Activity, Func<Action<TrainingProgress>, CancellationToken, T> Train);

    /// <summary>What a job gave: its result, or the exception it threw.</summary>
    public sealed record Outcome<T>(T? Result, Exception? Error);

    /// <summary>Runs <paramref name="train"/> on a worker and relays its reports until it returns.</summary>
    public T Run<T>(int epochs, string activity, Func<Action<TrainingProgress>, CancellationToken, T> train)
    {
        Outcome<T>? outcome = null;
        RunAll([new Job<T>(epochs, activity, train)], 1, (_, o) => outcome = o);
        if (outcome!.Error is { } error) ExceptionDispatchInfo.Throw(error);
        return outcome.Result!;
    }

    /// <summary>
    /// Runs <paramref name="jobs"/>, at most <paramref name="throttle"/> at once on their own threads,
    /// and hands each outcome to <paramref name="completed"/> on the pipeline thread in the jobs'
    /// order, as soon as it and every job before it are done. After a stop, jobs not yet started
    /// are not started and get no outcome.
    /// </summary>
    public void RunAll<T>(IReadOnlyList<Job<T>> jobs, int throttle, Action<int, Outcome<T>> completed)
    {
        var events = new BlockingCollection<(int Job, TrainingProgress? Report, Outcome<T>? Done)>();
        var token = _stop.Token;
        int next = -1;
        var workers = Enumerable.Range(0, Math.Min(throttle, jobs.Count)).Select(_ => Task.Factory.StartNew(() =>
        {
            int job;
            // The first job always starts, so a single run reports its own stop.
            while ((job = Interlocked.Increment(ref next)) < jobs.Count && (job == 0 || !token.IsCancellationRequested))
            {
                Outcome<T> outcome;
                try
                {
                    int current = job;
                    outcome = new Outcome<T>(jobs[job].Train(report => events.Add((current, report, null)), token), null);
                }
                catch (Exception e)
                {
                    outcome = new Outcome<T>(default, e);
                }
                events.Add((job, null, outcome));
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        Task.WhenAll(workers).ContinueWith(_ => events.CompleteAdding(), TaskScheduler.Default);

        bool showProgress = ProgressWanted();
        var views = new Dictionary<int, ProgressView>();
        var outcomes = new Outcome<T>?[jobs.Count];
        int emitted = 0;
        ExceptionDispatchInfo? stopped = null;
        while (!events.IsCompleted)
        {
            if (!events.TryTake(out var item, 100)) continue;
            if (!views.TryGetValue(item.Job, out var view))
                views[item.Job] = view = new ProgressView(cmdlet, jobs[item.Job].Epochs, jobs[item.Job].Activity, item.Job, showProgress);
            try
            {
                if (item.Report is { } report) view.Show(report);
                if (item.Done is not { } done) continue;
                view.Complete();
                outcomes[item.Job] = done;
                for (; emitted < jobs.Count && outcomes[emitted] is { } ready; emitted++)
                    completed(emitted, ready);
            }
            catch (PipelineStoppedException e)
            {
                // Ctrl+C (StopProcessing) makes every write throw. The runs still going stop after
                // their current step and write last.ckpt and run.log; leaving before they have would
                // let the process end under them. The stop is rethrown once they are done.
                _stop.Cancel();
                stopped ??= ExceptionDispatchInfo.Capture(e);
            }
        }
        stopped?.Throw();
    }

    /// <summary>
    /// False when $ProgressPreference silences progress, as a scheduled pwsh script should set it:
    /// a night of batch-by-batch records is noise in a log and costs a trip to the pipeline thread
    /// per batch.
    /// </summary>
    private bool ProgressWanted() =>
        !LanguagePrimitives.TryConvertTo<ActionPreference>(cmdlet.GetVariableValue("ProgressPreference"), out var preference)
        || preference is not (ActionPreference.SilentlyContinue or ActionPreference.Ignore);

    /// <summary>Two progress bars, epochs and batches within the epoch, when <paramref name="show"/>; warnings and verbose epoch lines always.</summary>
    private sealed class ProgressView(Cmdlet cmdlet, int epochs, string activity, int job, bool show)
    {
        private readonly ProgressRecord _epoch = new(1 + 2 * job, activity, "starting");
        private readonly ProgressRecord _batch = new(2 + 2 * job, "Batches", "starting") { ParentActivityId = 1 + 2 * job };

        public void Show(TrainingProgress p)
        {
            if (p.Warning is not null)
            {
                cmdlet.WriteWarning(p.Warning);
                return;
            }
            if (p.CompletedEpoch is { } done)
            {
                cmdlet.WriteVerbose(string.Create(CultureInfo.InvariantCulture,
                    $"epoch {done.Epoch}/{epochs}: loss {done.Loss:G5}, val_loss {done.ValLoss:G5}, dice {done.Dice:G4}, {done.Seconds:F1} s (data wait {done.DataWaitSeconds:F2} s)"));
                if (!show) return;
                _epoch.PercentComplete = 100 * p.Epoch / epochs;
                _epoch.StatusDescription = string.Create(CultureInfo.InvariantCulture,
                    $"epoch {p.Epoch} of {epochs} done, loss {done.Loss:G4}, val_loss {done.ValLoss:G4}");
                cmdlet.WriteProgress(_epoch);
                return;
            }
            if (!show) return;
            _epoch.PercentComplete = 100 * (p.Epoch - 1) / epochs;
            _epoch.StatusDescription = $"epoch {p.Epoch} of {epochs}";
            cmdlet.WriteProgress(_epoch);
            _batch.Activity = p.Phase == "validation" ? "Validation batches" : "Training batches";
            _batch.PercentComplete = p.Batches == 0 ? 0 : 100 * p.Batch / p.Batches;
            _batch.StatusDescription = string.Create(CultureInfo.InvariantCulture, $"batch {p.Batch} of {p.Batches}, loss {p.RunningLoss:G4}");
            cmdlet.WriteProgress(_batch);
        }

        public void Complete()
        {
            if (!show) return;
            _batch.RecordType = ProgressRecordType.Completed;
            cmdlet.WriteProgress(_batch);
            _epoch.RecordType = ProgressRecordType.Completed;
            cmdlet.WriteProgress(_epoch);
        }
    }
}
