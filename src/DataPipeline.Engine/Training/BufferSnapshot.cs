using TorchSharp;
using static TorchSharp.torch;

namespace DataPipeline.Engine.Training;

/// <summary>
/// A copy of the model's floating-point buffers (BatchNorm running statistics) as of the last good
/// step. A skipped step's forward pass has already folded its NaNs into the running statistics,
/// and libtorch's train-mode BatchNorm on narrow layers (4 channels here) then returns NaN
/// gradients on every later step: skipping must undo the forward pass's side effects too.
/// </summary>
internal sealed class BufferSnapshot : IDisposable
{
    private readonly (Tensor Live, Tensor Saved)[] _buffers;

    public BufferSnapshot(nn.Module model)
    {
        using var _ = no_grad();
        // The scope keeps each temporary detach() reachable until clone() has read it: without one,
        // the finalizer thread freed it mid-call under GC pressure (a segfault in THSTensor_clone).
        using var scope = NewDisposeScope();
        _buffers = model.buffers()
            .Where(b => b.is_floating_point())
            .Select(b => (b, b.detach().clone().DetachFromDisposeScope()))
            .ToArray();
    }

    /// <summary>Remembers the current buffers (after a good step).</summary>
    public void Save()
    {
        using var _ = no_grad();
        foreach (var (live, saved) in _buffers) saved.copy_(live);
    }

    /// <summary>Puts back the buffers of the last good step (after a skipped one).</summary>
    public void Restore()
    {
        using var _ = no_grad();
        foreach (var (live, saved) in _buffers) live.copy_(saved);
    }

    public void Dispose()
    {
        foreach (var (_, saved) in _buffers) saved.Dispose();
    }
}
