using DataPipeline.Engine.Configuration;

namespace DataPipeline.Engine.Training;

public enum OptimizerKind
{
    [ConfigName("adam")] Adam,
    [ConfigName("sgd")] Sgd,
}

public enum LossKind
{
    [ConfigName("mse")] Mse,
    [ConfigName("bce")] Bce,
    [ConfigName("dice")] Dice,
    [ConfigName("bce+dice")] BceDice,
}

/// <summary>Which model checkpoints a run keeps in its output directory.</summary>
public enum CheckpointPolicy
{
    /// <summary>best.ckpt (lowest validation loss, or training loss without a validation split) and last.ckpt.</summary>
    [ConfigName("best")] Best,
    /// <summary>best.ckpt, last.ckpt and one epoch-NNNN.ckpt per epoch.</summary>
    [ConfigName("every")] Every,
    [ConfigName("none")] None,
}
