using DataPipeline.Engine.Configuration;

namespace DataPipeline.Engine.Training;

public enum OptimizerKind
{
    [ConfigName("adam")] Adam,
    [ConfigName("adamw")] AdamW,
    [ConfigName("sgd")] Sgd,
    [ConfigName("rmsprop")] RmsProp,
    [ConfigName("adadelta")] Adadelta,
}

public enum LossKind
{
    [ConfigName("mse")] Mse,
    [ConfigName("bce")] Bce,
    [ConfigName("dice")] Dice,
    [ConfigName("bce+dice")] BceDice,
    [ConfigName("focal")] Focal,
}

public enum ScheduleKind
{
    [ConfigName("none")] None,
    /// <summary>Multiply by lr_factor every lr_step_epochs.</summary>
    [ConfigName("step")] Step,
    /// <summary>Multiply by lr_factor when the monitored metric has not improved for lr_patience epochs.</summary>
    [ConfigName("plateau")] Plateau,
    /// <summary>Cosine from learning_rate down to min_learning_rate over the run.</summary>
    [ConfigName("cosine")] Cosine,
}

/// <summary>What a non-finite loss or gradient does to the run.</summary>
public enum NonFinitePolicy
{
    [ConfigName("skip")] Skip,
    [ConfigName("stop")] Stop,
}

/// <summary>Which model checkpoints a run keeps in its output directory.</summary>
public enum CheckpointPolicy
{
    /// <summary>best.ckpt (the best epoch by the monitored metric) and last.ckpt.</summary>
    [ConfigName("best")] Best,
    /// <summary>best.ckpt, last.ckpt and one epoch-NNNN.ckpt per epoch.</summary>
    [ConfigName("every")] Every,
    [ConfigName("none")] None,
}

/// <summary>The number type of the forward pass (training.precision).</summary>
public enum TrainingPrecision
{
    [ConfigName("fp32")] Fp32,
    /// <summary>bfloat16 autocast: float32's range, so no loss scaling; CPU and CUDA.</summary>
    [ConfigName("bf16")] Bf16,
    /// <summary>float16 autocast with dynamic loss scaling; CUDA only.</summary>
    [ConfigName("fp16")] Fp16,
}
