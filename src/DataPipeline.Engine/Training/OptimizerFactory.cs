using DataPipeline.Engine.Configuration;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DataPipeline.Engine.Training;

/// <summary>The optimizers of [training] optimizer, with PyTorch's defaults for everything not configured.</summary>
internal static class OptimizerFactory
{
    public static OptimizerHelper Create(IEnumerable<Parameter> parameters, TrainingSettings s) => s.Optimizer switch
    {
        OptimizerKind.Adam => optim.Adam(parameters, s.LearningRate, 0.9, 0.999, 1e-8, s.WeightDecay),
        OptimizerKind.AdamW => optim.AdamW(parameters, s.LearningRate, 0.9, 0.999, 1e-8, s.WeightDecay),
        OptimizerKind.Sgd => optim.SGD(parameters, s.LearningRate, momentum: s.Momentum, weight_decay: s.WeightDecay),
        OptimizerKind.RmsProp => optim.RMSProp(parameters, s.LearningRate, momentum: s.Momentum, weight_decay: s.WeightDecay),
        OptimizerKind.Adadelta => optim.Adadelta(parameters, s.LearningRate, weight_decay: s.WeightDecay),
        _ => throw new ArgumentOutOfRangeException(nameof(s)),
    };

    public static void SetLearningRate(OptimizerHelper optimizer, double rate)
    {
        foreach (var group in optimizer.ParamGroups)
            group.LearningRate = rate;
    }
}
