using DataPipeline.Engine.Configuration;

namespace DataPipeline.Engine.Training;

/// <summary>The checkpoints a run keeps in its folder as it goes, as training.checkpoint asks.</summary>
internal sealed class RunCheckpoints(TrainingSettings settings)
{
    /// <summary>last.ckpt, best.ckpt when the epoch improved, and epoch-NNNN.ckpt under "every".</summary>
    public void AfterEpoch(RunContext c, EpochRecord record, bool improved)
    {
        var policy = settings.Checkpoint;
        if (policy == CheckpointPolicy.None) return;
        c.Run.LastCheckpoint = Save(c, "last.ckpt", record.Epoch);
        if (improved) c.Run.BestCheckpoint = Save(c, "best.ckpt", record.Epoch);
        if (policy == CheckpointPolicy.Every) Save(c, $"epoch-{record.Epoch:D4}.ckpt", record.Epoch);
    }

    /// <summary>Writes the run as it stands after <paramref name="epoch"/> (0: before the first) to <paramref name="name"/> in its folder.</summary>
    public static string Save(RunContext c, string name, int epoch)
    {
        var state = new CheckpointState
        {
            RunId = c.Run.RunId,
            Epoch = epoch,
            ConfigToml = ConfigTemplate.Write(c.Run.Config),
            SizeRatio = c.SizeRatio,
            FrameShape = c.Generator.FrameShape,
            LabelShape = c.Generator.LabelShape,
            History = [.. c.Run.History],
            BestEpoch = c.Tracker.BestEpoch,
            BestValue = c.Tracker.BestValue,
            EpochsWithoutImprovement = c.Tracker.EpochsWithoutImprovement,
            Schedule = c.Schedule.State,
            TrainableParameters = c.Run.TrainableParameters,
        };
        string path = Path.Combine(c.Run.OutputDirectory, name);
        c.Random.Use(() => Checkpoint.Save(path, state, c.Model, c.Optimizer));
        if (name == "last.ckpt") c.Run.LastCheckpoint = path;
        return path;
    }
}
