using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DataPipeline.Engine.Training.Optimizers;

/// <summary>
/// The base of DataPipeline's own optimizers, which follow PyTorch's torch.optim update rules
/// exactly but own every <see cref="Scalar"/> they pass to libtorch. TorchSharp's optimizers make
/// their hyper-parameters into Scalars implicitly on every call, and the finalizer thread can free
/// one while libtorch still reads it (a native crash in long runs under GC pressure). Here the
/// hyper-parameters are Scalars created once and disposed with the optimizer; the values that
/// change per step (Adam's bias corrections) are created per step and kept alive by a using.
/// </summary>
public abstract class Optimizer : IDisposable
{
    private readonly List<Scalar> _owned = [];
    private readonly List<HyperScalar> _settable = [];
    private Scalar _negativeRate;
    private bool _disposed;

    protected Optimizer(IEnumerable<Parameter> parameters, double learningRate)
    {
        if (!(learningRate >= 0)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be 0 or more.");
        Parameters = parameters.ToArray();
        LearningRate = learningRate;
        _negativeRate = (-learningRate).ToScalar();
    }

    /// <summary>The name written into checkpoints, so a state is only loaded into its own kind.</summary>
    public abstract string Name { get; }

    protected IReadOnlyList<Parameter> Parameters { get; }

    public double LearningRate { get; private set; }

    /// <summary>-lr, the alpha of the final parameter update.</summary>
    protected Scalar NegativeRate => _negativeRate;

    /// <summary>
    /// Sets the learning rate (the schedule does, between steps). The old Scalar is disposed only
    /// here, on the training thread, never while a step could be reading it.
    /// </summary>
    public void SetLearningRate(double rate)
    {
        if (!(rate >= 0)) throw new ArgumentOutOfRangeException(nameof(rate), rate, "The learning rate must be 0 or more.");
        if (rate == LearningRate) return;
        var old = _negativeRate;
        _negativeRate = (-rate).ToScalar();
        LearningRate = rate;
        OnLearningRateChanged(rate);
        old.Dispose();
    }

    /// <summary>For optimizers with further Scalars derived from the rate (AdamW's 1 - lr·λ).</summary>
    protected virtual void OnLearningRateChanged(double rate) { }

    /// <summary>The L2 penalty λ (decoupled for AdamW); a schedule may change it between steps.</summary>
    public abstract double WeightDecay { get; }

    public abstract void SetWeightDecay(double value);

    /// <summary>
    /// Whether the optimizer has a momentum a schedule can set: SGD's and RMSprop's momentum, and
    /// Adam's and AdamW's β1, the decay of the gradient's running mean that plays its part.
    /// </summary>
    public virtual bool HasMomentum => false;

    public virtual double Momentum => double.NaN;

    public virtual void SetMomentum(double value) =>
        throw new NotSupportedException($"{Name} has no momentum to set.");

    /// <summary>A hyper-parameter a schedule may change, disposed with the optimizer.</summary>
    private protected HyperScalar Settable(double value, Func<double, double>? form = null)
    {
        var hyper = new HyperScalar(value, form);
        _settable.Add(hyper);
        return hyper;
    }

    /// <summary>Checks a value for a setter: finite and within [0, <paramref name="below"/>).</summary>
    protected static void CheckRange(double value, string name, double below = double.PositiveInfinity)
    {
        if (!(value >= 0 && value < below))
            throw new ArgumentOutOfRangeException(name, value,
                double.IsPositiveInfinity(below) ? $"{name} must be 0 or more." : $"{name} must be in [0, {below}).");
    }

    /// <summary>A hyper-parameter as a Scalar that lives as long as this optimizer.</summary>
    protected Scalar Own(double value)
    {
        var scalar = value.ToScalar();
        _owned.Add(scalar);
        return scalar;
    }

    /// <summary>Zeroes every gradient in place, as TorchSharp's and PyTorch's zero_grad(set_to_none=False).</summary>
    public void zero_grad()
    {
        foreach (var p in Parameters)
        {
            using var grad = p.grad;
            grad?.zero_();
        }
    }

    /// <summary>One update of every parameter that has a gradient; parameters without one are left alone.</summary>
    public void step()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        for (int i = 0; i < Parameters.Count; i++)
        {
            var grad = Parameters[i].grad;
            if (grad is null) continue;
            Update(i, Parameters[i], grad);
        }
    }

    /// <summary>Updates parameter <paramref name="index"/> in place. Temporaries die with the step's dispose scope.</summary>
    protected abstract void Update(int index, Parameter parameter, Tensor grad);

    /// <summary>A zero tensor shaped like the parameter that outlives the step's dispose scope.</summary>
    protected static Tensor StateLike(Parameter parameter) => zeros_like(parameter).DetachFromDisposeScope();

    /// <summary>Writes the per-parameter state (step counts, moments) after the optimizer's name.</summary>
    public void Save(BinaryWriter writer)
    {
        writer.Write(Name);
        writer.Write(Parameters.Count);
        SaveState(writer);
    }

    /// <summary>Reads what <see cref="Save"/> wrote; <paramref name="source"/> names the file in errors.</summary>
    public void Load(BinaryReader reader, string source)
    {
        string name = reader.ReadString();
        if (name != Name)
            throw new InvalidDataException($"{source} holds the state of a {name} optimizer, but this run uses {Name}; resume with the checkpoint's own configuration.");
        int count = reader.ReadInt32();
        if (count != Parameters.Count)
            throw new InvalidDataException($"{source} holds optimizer state for {count} parameters, but the model has {Parameters.Count}.");
        LoadState(reader);
    }

    protected abstract void SaveState(BinaryWriter writer);

    protected abstract void LoadState(BinaryReader reader);

    /// <summary>
    /// The layout every optimizer's state has: for each parameter in order, its step count (when the
    /// optimizer counts steps) and then each of its state buffers, in the order given.
    /// </summary>
    protected void SavePerParameter(BinaryWriter writer, long[]? steps, params Tensor?[][] buffers)
    {
        for (int i = 0; i < Parameters.Count; i++)
        {
            if (steps is not null) writer.Write(steps[i]);
            foreach (var buffer in buffers) SaveOptional(writer, buffer[i]);
        }
    }

    /// <summary>Reads what <see cref="SavePerParameter"/> wrote into the same step counts and buffers.</summary>
    protected void LoadPerParameter(BinaryReader reader, long[]? steps, params Tensor?[][] buffers)
    {
        for (int i = 0; i < Parameters.Count; i++)
        {
            if (steps is not null) steps[i] = reader.ReadInt64();
            foreach (var buffer in buffers) LoadOptional(reader, ref buffer[i], Parameters[i]);
        }
    }

    /// <summary>Writes a state tensor that may not exist yet (SGD's momentum before the first step).</summary>
    protected static void SaveOptional(BinaryWriter writer, Tensor? tensor)
    {
        writer.Write(tensor is not null);
        tensor?.Save(writer);
    }

    /// <summary>Reads what <see cref="SaveOptional"/> wrote into <paramref name="tensor"/>, creating or dropping it.</summary>
    protected static void LoadOptional(BinaryReader reader, ref Tensor? tensor, Parameter parameter)
    {
        if (!reader.ReadBoolean())
        {
            tensor?.Dispose();
            tensor = null;
            return;
        }
        tensor ??= StateLike(parameter);
        tensor.Load(reader);
    }

    /// <summary>For Scalars a subclass replaces over time and so cannot hand to <see cref="Own"/>.</summary>
    protected virtual void OnDispose() { }

    /// <summary>The state tensors to dispose with the optimizer.</summary>
    protected abstract IEnumerable<Tensor?> StateTensors();

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var t in StateTensors()) t?.Dispose();
        foreach (var s in _owned) s.Dispose();
        foreach (var h in _settable) h.Dispose();
        _negativeRate.Dispose();
        OnDispose();
        GC.SuppressFinalize(this);
    }
}
