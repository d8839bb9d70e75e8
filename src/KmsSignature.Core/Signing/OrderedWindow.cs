namespace KmsSignature.Core.Signing;

/// <summary>
/// A bounded FIFO of operations that hands results back in the order they were started: the shape of bulk KMS
/// signing, where latency (≈20 ms) rather than CPU limits the rate, so N calls in flight give ≈N× throughput
/// while output keeps input order. Each added task is taken exactly once: nothing is lost or duplicated.
/// <para>
/// Two limits: at most <see cref="MaxInFlight"/> operations running, and at most <see cref="Capacity"/> held
/// (running, or done and waiting for an older one). A capacity larger than the in-flight limit is a reorder
/// buffer: when the oldest call is slow (a throttled KMS Sign backing off), the others finish and new ones
/// start behind it, instead of the whole window idling until the oldest returns (head-of-line blocking).
/// </para>
/// Not thread-safe for adding and taking: one producer/consumer (the pipeline thread) uses it; completions may
/// happen on any thread.
/// </summary>
public sealed class OrderedWindow<T>
{
    private readonly Queue<Task<T>> inFlight;
    private int running;
    private TaskCompletionSource settled = NewSignal();

    /// <summary>A window whose capacity is also its in-flight limit (no reorder buffer).</summary>
    public OrderedWindow(int capacity)
        : this(capacity, capacity)
    {
    }

    public OrderedWindow(int capacity, int maxInFlight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInFlight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, maxInFlight);
        Capacity = capacity;
        MaxInFlight = maxInFlight;
        inFlight = new Queue<Task<T>>(Math.Min(capacity, 1024));
    }

    /// <summary>How many operations may be held, running or done but not yet taken.</summary>
    public int Capacity { get; }

    /// <summary>How many operations may run at once.</summary>
    public int MaxInFlight { get; }

    /// <summary>Operations held (running, or done and not yet taken).</summary>
    public int Count => inFlight.Count;

    /// <summary>Operations still running.</summary>
    public int Running => Volatile.Read(ref running);

    /// <summary>True when no more work may start until the oldest completes.</summary>
    public bool IsFull => inFlight.Count >= Capacity;

    /// <summary>True when another operation may start now: room in the window and fewer than <see cref="MaxInFlight"/> running.</summary>
    public bool CanStart => !IsFull && Running < MaxInFlight;

    /// <summary>
    /// Completes when <see cref="CanStart"/> may have become true: at once if it is, else when the oldest completes
    /// (window full) or any running operation completes (in-flight limit reached). Check <see cref="CanStart"/> again.
    /// </summary>
    public Task WhenCanStart()
    {
        if (IsFull)
        {
            return inFlight.Peek();
        }

        // Read the signal before the count: a completion after this read sets this very signal.
        var signal = Volatile.Read(ref settled).Task;
        return Running < MaxInFlight ? Task.CompletedTask : signal;
    }

    public void Add(Task<T> task)
    {
        // Only the capacity is enforced here: a taken task may still be counted as running for a moment (its
        // completion callback runs just after it completes), so the in-flight limit is the producer's to keep with
        // CanStart / WhenCanStart.
        if (IsFull)
        {
            throw new InvalidOperationException("The window is full; take the oldest result first.");
        }

        inFlight.Enqueue(task);
        Interlocked.Increment(ref running);
        task.ContinueWith(static (settled, state) =>
            {
                // The window owns each operation's outcome: it hands it back in turn, or drops it on purpose when the run
                // ends early (Ctrl+C, a break downstream, -ErrorAction Stop) with operations still held. Observing the
                // failure here keeps a dropped one from being raised again as TaskScheduler.UnobservedTaskException.
                _ = settled.Exception;
                ((OrderedWindow<T>)state!).OnSettled();
            }, this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>The oldest operation (to wait on); the window must not be empty.</summary>
    public Task<T> Oldest => inFlight.Peek();

    /// <summary>Takes the oldest operation if it has completed (successfully or not).</summary>
    public bool TryTakeCompleted(out Task<T> task)
    {
        if (inFlight.TryPeek(out var oldest) && oldest.IsCompleted)
        {
            task = inFlight.Dequeue();
            return true;
        }

        task = null!;
        return false;
    }

    /// <summary>
    /// Empties the window when a run ends early. <paramref name="release"/> gets the result of each dropped operation that
    /// succeeds: at once for one already done, on completion (on any thread) for one still running, so results that hold
    /// something (a prepared file) are released even when they arrive after the run.
    /// </summary>
    public void DropAll(Action<T> release)
    {
        while (inFlight.TryDequeue(out var task))
        {
            if (!task.IsCompleted)
            {
                task.ContinueWith(static (done, state) => ((Action<T>)state!)(done.Result), release, CancellationToken.None,
                    TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
            else if (task.IsCompletedSuccessfully)
            {
                release(task.Result);
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="operation"/> over <paramref name="inputs"/> with at most <paramref name="limit"/> in
    /// flight and yields results in input order. A failed item rethrows when its turn comes; cancellation stops promptly.
    /// </summary>
    public static async IAsyncEnumerable<T> RunAsync<TInput>(IEnumerable<TInput> inputs, Func<TInput, CancellationToken, Task<T>> operation,
        int limit, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var window = new OrderedWindow<T>(limit);
        foreach (var input in inputs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (window.IsFull)
            {
                yield return await window.inFlight.Dequeue().ConfigureAwait(false);
            }

            window.Add(Start(operation, input, cancellationToken));
        }

        while (window.Count > 0)
        {
            yield return await window.inFlight.Dequeue().ConfigureAwait(false);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void OnSettled()
    {
        Interlocked.Decrement(ref running);
        Interlocked.Exchange(ref settled, NewSignal()).TrySetResult();
    }

    // Exceptions thrown synchronously become a faulted task, so they surface in order like any other failure.
    private static Task<T> Start<TInput>(Func<TInput, CancellationToken, Task<T>> operation, TInput input, CancellationToken cancellationToken)
    {
        try
        {
            return operation(input, cancellationToken);
        }
        catch (Exception ex)
        {
            return Task.FromException<T>(ex);
        }
    }
}
