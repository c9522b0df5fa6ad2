using DataPipeline.Engine.Configuration;

namespace DataPipeline.Engine.Models;

public enum Activation
{
    [ConfigName("lrelu")] LeakyReLU,
    [ConfigName("relu")] ReLU,
    [ConfigName("elu")] ELU,
    [ConfigName("gelu")] GELU,
    [ConfigName("sigmoid")] Sigmoid,
}

public enum DownSampling
{
    [ConfigName("maxpool")] MaxPool,
    [ConfigName("stride", "strided_conv")] Stride,
    [ConfigName("avgpool")] AvgPool,
}

public enum UpSampling
{
    /// <summary>
    /// conv1 c -> s·c, then the pixel shuffle. "conv_subpixel" is the original's name for the same
    /// conv-then-shuffle (its 2-D form widened only to 2c and so returned c/2 channels, a bug).
    /// </summary>
    [ConfigName("subpixel", "conv_subpixel")] Subpixel,
    [ConfigName("transpose")] Transpose,
    [ConfigName("nearest", "simple")] Nearest,
    /// <summary>The pixel shuffle alone: no parameters, and the level's width divided by 4 (8 with temporal scaling).</summary>
    [ConfigName("simple_subpixel")] SimpleSubpixel,
    /// <summary>The pixel shuffle, then a conv1 back to the level's width (the original's subpixel with Conv1DLater = False).</summary>
    [ConfigName("shuffle_conv")] ShuffleConv,
}

/// <summary>How a decoder level merges the up-sampled tensor with the encoder's skip tensor.</summary>
public enum SkipMerge
{
    [ConfigName("add")] Add,
    [ConfigName("concat")] Concat,
    [ConfigName("none")] None,
}

public enum OutputActivation
{
    [ConfigName("sigmoid")] Sigmoid,
    [ConfigName("none")] None,
}

public enum Initializer
{
    [ConfigName("glorot_uniform")] GlorotUniform,
    [ConfigName("he_normal")] HeNormal,
    [ConfigName("orthogonal")] Orthogonal,
}

/// <summary>
/// How a 3-D U-Net turns its [T, H, W] output into one 2-D map ([model] temporal_head): none keeps
/// T; mean and max reduce T without parameters; conv is a learned Conv3d of kernel (T, 1, 1), no
/// padding, over the tensor the output conv1 reads, so T is fixed by the frames the model is built for.
/// </summary>
public enum TemporalHead
{
    [ConfigName("none")] None,
    [ConfigName("mean")] Mean,
    [ConfigName("max")] Max,
    [ConfigName("conv")] Conv,
}
