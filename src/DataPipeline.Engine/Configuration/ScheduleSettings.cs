using DataPipeline.Engine.Training;

namespace DataPipeline.Engine.Configuration;

[ConfigSection("schedules",
    "Schedules of optimizer hyper-parameters over iterations (optimizer steps) or epochs, in elektronn2's forms. " +
    "Each starts from its key's configured value: training.learning_rate, training.momentum (beta1 for adam and adamw), " +
    "training.weight_decay, model.dropout. n counts the iterations or epochs completed before the current one. " +
    "dec: start * factor^floor(n / every). lindec: linear from the start to target over steps, then target. " +
    "list: { values = { n = value, ... } }, each value from its n on.")]
public sealed class ScheduleSettings
{
    [ConfigKey("learning_rate", "Learning-rate schedule; replaces training.lr_schedule (which must then be none, without warm-up).",
        Example = "{ kind = \"dec\", factor = 0.995, every = 1, per = \"iteration\" }")]
    public HyperSchedule? LearningRate { get; set; }

    [ConfigKey("momentum", "Momentum schedule (sgd and rmsprop momentum; adam and adamw beta1; adadelta has none).",
        Example = "{ kind = \"lindec\", target = 0.99, steps = 1000, per = \"iteration\" }")]
    public HyperSchedule? Momentum { get; set; }

    [ConfigKey("weight_decay", "Weight-decay schedule.",
        Example = "{ kind = \"list\", values = { 0 = 0.0, 10 = 1e-4 }, per = \"epoch\" }")]
    public HyperSchedule? WeightDecay { get; set; }

    [ConfigKey("dropout", "Dropout-probability schedule of every dropout layer (model.dropout must be above 0 so the layers exist).",
        Example = "{ kind = \"lindec\", target = 0.0, steps = 20, per = \"epoch\" }")]
    public HyperSchedule? Dropout { get; set; }
}
