using System.Globalization;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Models;

namespace DataPipeline.Engine.Runtime;

/// <summary>
/// Refuses settings whose U-Net, batches or simulated frames would not fit in memory, before
/// anything is allocated: asked for terabytes (filters = 4096 at depth 10 has about 10^15
/// parameters; a 4096-pixel, 1024-step sequence at size_ratio 16 is 4.4e12 floats), libtorch or
/// the runtime either aborts the process or pages the machine to a standstill, where a scheduled
/// run should fail at once with the key to change. The figures are estimates from the shapes alone.
/// </summary>
public static class MemoryBudget
{
    /// <summary>
    /// Training keeps four float32 copies of every parameter (weights, gradients and the two moments
    /// of Adam) and about twenty activation tensors per level: input, batch norm, activation,
    /// convolution and dropout outputs of the encoder's and the decoder's blocks, and the merge.
    /// </summary>
    private const double CopiesPerParameter = 4, TensorsPerLevel = 20, BytesPerFloat = 4;

    /// <summary>The memory a run may use: the RAM (or container limit) this process sees.</summary>
    public static long Limit => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>Trainable parameters of the network, or +infinity when they overflow a long.</summary>
    public static double Parameters(ModelSettings model, int sizeRatio, int timeSteps = 0)
    {
        try
        {
            return UNetParameterFormula.Count(model, sizeRatio, timeSteps);
        }
        catch (OverflowException)
        {
            return double.PositiveInfinity;
        }
    }

    /// <summary>Bytes of the activations that one training step of <paramref name="batchSize"/> samples of <paramref name="frameShape"/> keeps for its backward pass.</summary>
    public static double ActivationBytes(ModelSettings model, int[] frameShape, int sizeRatio, int batchSize)
    {
        double pixels = frameShape.Aggregate(1.0, (p, d) => p * d);
        double temporal = model.Dims == 3 && model.TemporalDownscaling ? 2 : 1;
        double perSample = 0;
        for (int level = 0; level <= model.Depth; level++)
            perSample += TensorsPerLevel * model.Filters * Math.Pow(2, level) * pixels / Math.Pow(4 * temporal, level);
        // The super-resolution head: F r^2 channels at the input's size, then the output at the label's.
        perSample += 2 * model.Filters * sizeRatio * sizeRatio * pixels + 4 * pixels * sizeRatio * sizeRatio;
        return perSample * batchSize * BytesPerFloat;
    }

    /// <summary>
    /// Throws a <see cref="MemoryLimitExceededException"/> naming the key to lower when training this model on
    /// batches of <paramref name="batchSize"/> would need more than <see cref="Limit"/>.
    /// </summary>
    public static void Check(PipelineConfig config, int[] frameShape, int sizeRatio, int batchSize)
    {
        double parameters = Parameters(config.Model, sizeRatio, frameShape.Length == 3 ? frameShape[0] : 0);
        double weights = parameters * CopiesPerParameter * BytesPerFloat;
        double activations = ActivationBytes(config.Model, frameShape, sizeRatio, batchSize);
        long limit = Limit;
        if (weights + activations <= limit) return;
        bool modelDominates = weights >= activations;
        string key = modelDominates ? "model.filters" : "batch.batch_size";
        string value = modelDominates ? config.Model.Filters.ToString(CultureInfo.InvariantCulture) : batchSize.ToString(CultureInfo.InvariantCulture);
        string advice = modelDominates ? "Lower 'model.filters' or 'model.depth'"
            : "Lower 'batch.batch_size' (or New-BatchGenerator -BatchSize), or train on patches (batch.patch_size)";
        throw new MemoryLimitExceededException(string.Create(CultureInfo.InvariantCulture,
            $"Training this U-Net needs about {Size(weights + activations)}: {parameters:G3} parameters ({Size(weights)} with gradients and optimizer state; " +
            $"[model] filters = {config.Model.Filters}, depth = {config.Model.Depth}) and {Size(activations)} of activations for batches of {batchSize} " +
            $"frames of {string.Join("x", frameShape)}; the limit is this machine's memory, {Size(limit)}. {advice}."),
            key, value, limit);
    }

    /// <summary>
    /// Throws when the network alone (weights, no training) would not fit: New-UNetModel and
    /// Import-UNetModel build it to describe it.
    /// </summary>
    public static void CheckModel(PipelineConfig config, int sizeRatio, int timeSteps = 0)
    {
        double parameters = Parameters(config.Model, sizeRatio, timeSteps);
        double weights = parameters * BytesPerFloat;
        long limit = Limit;
        if (weights <= limit) return;
        throw new MemoryLimitExceededException(string.Create(CultureInfo.InvariantCulture,
            $"This U-Net has {parameters:G3} parameters ([model] filters = {config.Model.Filters}, depth = {config.Model.Depth}), {Size(weights)} of weights; " +
            $"the limit is this machine's memory, {Size(limit)}. Lower 'model.filters' or 'model.depth'."),
            "model.filters", config.Model.Filters.ToString(CultureInfo.InvariantCulture), limit);
    }

    /// <summary>
    /// Throws when <paramref name="bytes"/> (what <paramref name="what"/> would allocate) exceed the
    /// limit; <paramref name="key"/> and <paramref name="value"/> name the setting to lower.
    /// </summary>
    public static void CheckAllocation(double bytes, string what, string key, string value)
    {
        long limit = Limit;
        if (bytes <= limit) return;
        throw new MemoryLimitExceededException(string.Create(CultureInfo.InvariantCulture,
            $"{what} would need {Size(bytes)}; the limit is this machine's memory, {Size(limit)}. Lower '{key}' (now {value})."),
            key, value, limit);
    }

    private static string Size(double bytes) => bytes switch
    {
        double.PositiveInfinity => "more bytes than a long counts",
        >= 1e12 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e12:G3} TB"),
        >= 1e9 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e9:G3} GB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:G3} MB"),
    };
}

/// <summary>Settings whose network, batches or frames would need more memory than the machine has; names the key to lower.</summary>
public sealed class MemoryLimitExceededException(string message, string key, string value, long limitBytes) : Exception(message)
{
    /// <summary>The key to lower, e.g. "model.filters" or "batch.batch_size".</summary>
    public string Key { get; } = key;
    public string Value { get; } = value;
    public long LimitBytes { get; } = limitBytes;
}
