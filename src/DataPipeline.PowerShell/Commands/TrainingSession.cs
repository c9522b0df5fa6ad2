using System.Collections.Concurrent;
using System.Globalization;
using System.Management.Automation;
using DataPipeline.Engine.Training;

namespace DataPipeline.PowerShell.Commands;

/// <summary>
/// Runs training on a worker thread while the pipeline thread, the only one allowed to, writes its
/// progress bars, warnings and verbose lines; turns Ctrl+C on an interactive console into a stop
/// after the current step (so the run is still emitted) and StopProcessing into the same.
/// Shared by Invoke-UNetTraining and Invoke-TrainingSweep.
/// </summary>
internal sealed class TrainingSession(PSCmdlet cmdlet)
{
    private readonly CancellationTokenSource _stop = new();

    public bool StopRequested => _stop.IsCancellationRequested;

    public void Stop() => _stop.Cancel();

    /// <summary>Runs <paramref name="train"/> on a worker and relays its reports until it returns.</summary>
    public T Run<T>(int epochs, string activity, Func<Action<TrainingProgress>, CancellationToken, T> train)
    {
        var events = new BlockingCollection<TrainingProgress>();
        var token = _stop.Token;
        var work = Task.Run(() =>
        {
            try { return train(events.Add, token); }
            finally { events.CompleteAdding(); }
        });

        var progress = new ProgressView(cmdlet, epochs, activity, ProgressWanted());
        using (var interrupt = new ConsoleInterrupt())
        {
            while (!events.IsCompleted)
            {
                if (events.TryTake(out var report, 100))
                    progress.Show(report);
                if (!token.IsCancellationRequested && interrupt.Requested())
                {
                    cmdlet.WriteWarning("Ctrl+C: stopping after the current step...");
                    _stop.Cancel();
                }
            }
        }
        progress.Complete();
        return work.GetAwaiter().GetResult();
    }

    /// <summary>
    /// False when $ProgressPreference silences progress, as dpsh sets it for -NonInteractive and
    /// redirected output and a scheduled pwsh script should: a night of batch-by-batch records is
    /// noise in a log and costs a trip to the pipeline thread per batch.
    /// </summary>
    private bool ProgressWanted() =>
        !LanguagePrimitives.TryConvertTo<ActionPreference>(cmdlet.GetVariableValue("ProgressPreference"), out var preference)
        || preference is not (ActionPreference.SilentlyContinue or ActionPreference.Ignore);

    /// <summary>Two progress bars, epochs and batches within the epoch, when <paramref name="show"/>; warnings and verbose epoch lines always.</summary>
    private sealed class ProgressView(Cmdlet cmdlet, int epochs, string activity, bool show)
    {
        private readonly ProgressRecord _epoch = new(1, activity, "starting");
        private readonly ProgressRecord _batch = new(2, "Batches", "starting") { ParentActivityId = 1 };

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
