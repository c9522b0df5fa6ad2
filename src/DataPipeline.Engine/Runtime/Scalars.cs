using TorchSharp;

namespace DataPipeline.Engine.Runtime;

/// <summary>
/// Scalars that live as long as the process, for the constants that tensor calls on the training,
/// validation and prediction paths pass. TorchSharp turns a bare number into a <see cref="Scalar"/>
/// implicitly, and that Scalar becomes collectable as soon as its native handle has been read: the
/// finalizer thread can free it while libtorch still reads it (a use-after-free seen as "Unknown
/// scalar type" from c10/core/Scalar.h). A static field keeps these reachable for good. Values that
/// change (a learning rate, a threshold) are owned by whoever uses them, never made implicitly.
/// </summary>
internal static class Scalars
{
    /// <summary>1 as alpha: what TorchSharp's add(Tensor) and add_(Tensor) would create implicitly.</summary>
    public static readonly Scalar One = 1.0.ToScalar();

    public static readonly Scalar MinusOne = (-1.0).ToScalar();

    public static readonly Scalar Two = 2.0.ToScalar();

    /// <summary>1 for integer tensors (a batch counter), which refuse a floating-point Scalar.</summary>
    public static readonly Scalar OneInteger = 1L.ToScalar();
}
