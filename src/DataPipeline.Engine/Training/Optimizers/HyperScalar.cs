using TorchSharp;

namespace DataPipeline.Engine.Training.Optimizers;

/// <summary>
/// A hyper-parameter that a schedule may change between steps ([schedules]): its value and the
/// Scalar libtorch reads (the value itself, or a form of it such as 1 - β), replaced together.
/// Like the learning rate's, the old Scalar is disposed only in <see cref="Set"/>, on the training
/// thread between steps, never while a step could still read it.
/// </summary>
internal sealed class HyperScalar : IDisposable
{
    private readonly Func<double, double> _form;

    public HyperScalar(double value, Func<double, double>? form = null)
    {
        _form = form ?? (v => v);
        Value = value;
        Scalar = _form(value).ToScalar();
    }

    public double Value { get; private set; }

    public Scalar Scalar { get; private set; }

    public void Set(double value)
    {
        if (value == Value) return;
        var old = Scalar;
        Scalar = _form(value).ToScalar();
        Value = value;
        old.Dispose();
    }

    public void Dispose() => Scalar.Dispose();
}
