using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Training.Optimizers;
using Parameter = TorchSharp.Modules.Parameter;

namespace DataPipeline.Engine.Training;

/// <summary>
/// The optimizers of [training] optimizer: DataPipeline's own (see <see cref="Optimizer"/> for why
/// not TorchSharp's), with PyTorch's defaults for everything not configured.
/// </summary>
internal static class OptimizerFactory
{
    /// <param name="source">The configuration file, named in errors.</param>
    public static Optimizer Create(IEnumerable<Parameter> parameters, TrainingSettings s, string? source = null)
    {
        if (s.Optimizer == OptimizerKind.Sgd && s.Nesterov && (s.Momentum <= 0 || s.Dampening != 0))
            throw new ConfigException(
                $"'training.nesterov' = true needs 'training.momentum' above 0 and 'training.dampening' = 0, as PyTorch's SGD does " +
                $"(momentum is {s.Momentum}, dampening {s.Dampening}); set momentum (0.9 is usual) or turn nesterov off",
                source, key: "training.nesterov", value: "true");
        return s.Optimizer switch
        {
            OptimizerKind.Adam => new Adam(parameters, s.LearningRate, s.Beta1, s.Beta2, s.Eps ?? 1e-8, s.WeightDecay),
            OptimizerKind.AdamW => new AdamW(parameters, s.LearningRate, s.Beta1, s.Beta2, s.Eps ?? 1e-8, s.WeightDecay),
            OptimizerKind.Sgd => new Sgd(parameters, s.LearningRate, s.Momentum, s.Dampening, s.WeightDecay, s.Nesterov),
            OptimizerKind.RmsProp => new RmsProp(parameters, s.LearningRate, s.RmsPropAlpha, s.Eps ?? 1e-8, s.WeightDecay, s.Momentum, s.Centered),
            OptimizerKind.Adadelta => new Adadelta(parameters, s.LearningRate, s.Rho, s.Eps ?? 1e-6, s.WeightDecay),
            _ => throw new ArgumentOutOfRangeException(nameof(s)),
        };
    }
}
