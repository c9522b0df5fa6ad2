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
    private byte[] _state;

    public RunRandom(long seed)
    {
        lock (Gate)
        {
            manual_seed(seed);
            _state = Read();
        }
    }

    /// <summary>Runs <paramref name="draw"/> with this run's generator state, and keeps the state it leaves.</summary>
    public T Use<T>(Func<T> draw)
    {
        lock (Gate)
        {
            Write(_state);
            try
            {
                return draw();
            }
            finally
            {
                _state = Read();
            }
        }
    }

    public void Use(Action draw) => Use(() =>
    {
        draw();
        return 0;
    });

    private static byte[] Read()
    {
        using var scope = NewDisposeScope();
        return get_rng_state().bytes.ToArray();
    }

    private static void Write(byte[] state)
    {
        using var scope = NewDisposeScope();
        var tensor = empty(state.Length, ScalarType.Byte);
        tensor.bytes = state;
        set_rng_state(tensor);
    }
}
