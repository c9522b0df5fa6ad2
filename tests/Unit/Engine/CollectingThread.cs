namespace DataPipeline.Tests.Engine;

/// <summary>
/// GC pressure for the Scalar use-after-free of issue 12: a background thread running
/// GC.Collect(); GC.WaitForPendingFinalizers(); back to back until disposed, so that any TorchSharp
/// object left unreachable while libtorch still uses it is finalized at once.
/// </summary>
internal sealed class CollectingThread : IDisposable
{
    private readonly Thread _thread;
    private volatile bool _stop;

    public CollectingThread()
    {
        _thread = new Thread(() =>
        {
            while (!_stop)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        }) { IsBackground = true, Name = "test GC pressure" };
        _thread.Start();
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }
}
