namespace KmsSignature.Core.Signing;

/// <summary>
/// Runs async work to completion on one thread (a cmdlet's pipeline thread, the only one PowerShell takes output from),
/// running meanwhile the actions other threads post for it (verbose messages, progress). Posting is safe from any thread,
/// also after <see cref="Dispose"/>: calls a run dropped may still be logging.
/// </summary>
public sealed class PipelineThreadPump : IDisposable
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<Action> actions = new();
    private readonly object gate = new();
    private readonly Action signal;
    private bool signalled;
    private volatile bool disposed;

    public PipelineThreadPump() => signal = Signal;

    /// <summary>Queues an action for the pumping thread; ignored once the pump is disposed.</summary>
    public void Post(Action action)
    {
        if (disposed)
        {
            return;
        }

        actions.Enqueue(action);
        Signal();
    }

    /// <summary>Blocks until <paramref name="task"/> completes, running posted actions meanwhile and once more after; does not observe its outcome.</summary>
    public void Wait(Task task)
    {
        if (!task.IsCompleted)
        {
            // Woken by a continuation, not the task's AsyncWaitHandle: that is an event made on the task per wait, which only
            // disposing the task frees, and a task waited on here may be shared (disposing it would break the others).
            task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(signal);
            while (!task.IsCompleted)
            {
                WaitForSignal();
                RunPosted();
            }
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

    /// <summary>Drops what is queued; later posts are ignored. Nothing here holds an operating-system handle.</summary>
    public void Dispose()
    {
        disposed = true;
        actions.Clear();
    }

    private void Signal()
    {
        lock (gate)
        {
            signalled = true;
            Monitor.Pulse(gate);
        }
    }

    private void WaitForSignal()
    {
        lock (gate)
        {
            while (!signalled)
            {
                Monitor.Wait(gate);
            }

            signalled = false;
        }
    }
}
