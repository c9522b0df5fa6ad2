using static TorchSharp.torch;

namespace DataPipeline.Engine.Training;

/// <summary>
/// One run's state of libtorch's CPU random generator. libtorch has a single such generator per
/// process, and runs trained side by side (Invoke-TrainingSweep -ThrottleLimit) would otherwise
/// draw their initial weights and dropout masks from one interleaved stream, so neither would be
/// reproducible. Each run keeps its own state and swaps it in, under one process-wide lock, around
/// whatever draws from the generator; a run alone in the process gets exactly the numbers it got
/// before, because the swap puts back what was there.
/// </summary>
internal sealed class RunRandom
{
    private static readonly object Gate = new();

    // TorchSharp's get_rng_state() and set_rng_state() wrap the default generator in a new
    // Generator on every call, which is collectable while libtorch still reads it: under GC
    // pressure its finalizer freed the handle mid-call (a segfault in THSGenerator_get_rng_state).
    // One wrapper, kept for the life of the process, serves every call instead.
    private static readonly TorchSharp.torch.Generator Cpu = TorchSharp.torch.Generator.Default;
    private byte[] _state;

    public RunRandom(long seed)
    {
        lock (Gate)
        {
            manual_seed(seed);
            _state = ReadState();
        }
    }

    /// <summary>Runs <paramref name="draw"/> with this run's generator state, and keeps the state it leaves.</summary>
    public T Use<T>(Func<T> draw)
    {
        lock (Gate)
        {
            WriteState(_state);
            try
            {
                return draw();
            }
            finally
            {
                _state = ReadState();
            }
        }
    }

    public void Use(Action draw) => Use(() =>
    {
        draw();
        return 0;
    });

    /// <summary>The CPU generator's state as it is now (checkpoints save it).</summary>
    internal static byte[] ReadState()
    {
        using var scope = NewDisposeScope();
        return Cpu.get_state().bytes.ToArray();
    }

    /// <summary>Puts <paramref name="state"/> into the CPU generator (a resumed checkpoint's, or a run's own).</summary>
    internal static void WriteState(byte[] state)
    {
        using var scope = NewDisposeScope();
        var tensor = empty(state.Length, ScalarType.Byte);
        tensor.bytes = state;
        Cpu.set_state(tensor);
    }
}
