using DataPipeline.Engine.Configuration;

namespace DataPipeline.Engine.Models;

public enum Activation
{
    [ConfigName("lrelu")] LeakyReLU,
    [ConfigName("relu")] ReLU,
    [ConfigName("elu")] ELU,
    [ConfigName("gelu")] GELU,
}

public enum DownSampling
{
    [ConfigName("maxpool")] MaxPool,
    [ConfigName("stride", "strided_conv")] Stride,
    [ConfigName("avgpool")] AvgPool,
}

public enum UpSampling
{
    [ConfigName("subpixel")] Subpixel,
    [ConfigName("transpose")] Transpose,
    [ConfigName("nearest", "simple")] Nearest,
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
