namespace KmsSignature.Core.Signing;

/// <summary>
/// Runs async work to completion on one thread (a cmdlet's pipeline thread, the only one PowerShell takes output from),
/// running meanwhile the actions other threads post for it (verbose messages, progress). Posting is safe from any thread.
/// </summary>
public sealed class PipelineThreadPump : IDisposable
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<Action> actions = new();
    private readonly AutoResetEvent signal = new(false);

    /// <summary>Queues an action for the pumping thread.</summary>
    public void Post(Action action)
    {
        actions.Enqueue(action);
        signal.Set();
    }

    /// <summary>Blocks until <paramref name="task"/> completes, running posted actions meanwhile and once more after; does not observe its outcome.</summary>
    public void Wait(Task task)
    {
        var handles = new[] { signal, ((IAsyncResult)task).AsyncWaitHandle };
        while (!task.IsCompleted)
        {
            WaitHandle.WaitAny(handles);
            RunPosted();
        }

        RunPosted();
    }

    /// <summary>Runs the actions posted so far; pumping thread only.</summary>
    public void RunPosted()
    {
        while (actions.TryDequeue(out var action))
        {
            action();
        }
    }

    public void Dispose() => signal.Dispose();
}
