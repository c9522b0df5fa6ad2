using DataPipeline.Engine.Reporting;

namespace DataPipeline.Engine.Training;

/// <summary>
/// How a run ends when it does not complete (stopped by the user, failed), what it tells the user
/// to do next, and the files and log line every run leaves however it ended.
/// </summary>
internal static class RunEnding
{
    /// <summary>Marks <paramref name="run"/> Stopped by the user.</summary>
    public static void Stop(TrainingRun run)
    {
        run.Status = TrainingStatus.Stopped;
        run.Message = $"Stopped by the user after {run.EpochsCompleted} complete epoch(s); {ResumeAdvice(run)}";
    }

    /// <summary>Marks <paramref name="run"/> Failed with the error and where it happened.</summary>
    public static void Fail(TrainingRun run, StepPosition at, Exception e)
    {
        run.Status = TrainingStatus.Failed;
        run.Error = e;
        (run.FailedEpoch, run.FailedStep) = (at.Epoch, at.Step);
        string where = at.Epoch == 0 ? "before the first epoch"
            : at.Step == 0 ? $"at the end of epoch {at.Epoch}, writing its checkpoints and history"
            : $"at epoch {at.Epoch}, {at.Phase} step {at.Step}";
        run.Message = e is NonFiniteLossException
            ? $"{e.Message} {ResumeAdvice(run)}"
            : $"Failed {where}: {e.GetType().Name}: {e.Message} {ResumeAdvice(run)}";
    }

    /// <summary>How to go on from here: the checkpoint to resume, or why there is none.</summary>
    private static string ResumeAdvice(TrainingRun run) => run.LastCheckpoint is { } last
        ? $"{KeptEpochs(last)} epoch(s) are kept in {last}; resume with -Resume {last}."
        : run.EpochsCompleted == 0
            ? "No epoch completed, so there is nothing to resume; start the run again."
            : "training.checkpoint = \"none\" kept no last.ckpt, so the run cannot be resumed; start it again, or keep checkpoints.";

    /// <summary>
    /// The epochs last.ckpt holds: the run's, or one fewer when the run failed writing it (a full
    /// disk), since a checkpoint is replaced whole or not at all.
    /// </summary>
    private static string KeptEpochs(string checkpoint)
    {
        try
        {
            return Checkpoint.ReadState(checkpoint).Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or System.Text.Json.JsonException)
        {
            return "no readable";
        }
    }

    /// <summary>
    /// The last words of every run, however it ended: the history files (CSV, JSON, plots, page)
    /// into the run's folder beside last.ckpt, and run.log's final line. A failure here (a full
    /// disk) must not hide how the run ended, so it is added to the message instead.
    /// </summary>
    public static void Write(TrainingRun run, RunLog log)
    {
        try
        {
            HistoryExport.Write(run, run.OutputDirectory, HistoryExport.DefaultFormats, logScale: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            run.Message += (run.Message.Length > 0 ? " " : "") + $"The history files could not be written to {run.OutputDirectory}: {e.Message}";
        }
        try
        {
            log.Line($"{run.Status}{(run.Message.Length > 0 ? ": " + run.Message : "")}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            run.Message += $" run.log could not be written: {e.Message}";
        }
    }
}
