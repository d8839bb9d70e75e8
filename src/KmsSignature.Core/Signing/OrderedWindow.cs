namespace KmsSignature.Core.Signing;

/// <summary>
/// A bounded FIFO of in-flight operations that hands results back in the order they were started: the
/// shape of bulk KMS signing, where latency (≈20 ms) rather than CPU limits the rate, so N calls in flight
/// give ≈N× throughput while output keeps input order. Each added task is taken exactly once: nothing is
/// lost or duplicated. Not thread-safe: one producer/consumer (the pipeline thread) uses it.
/// </summary>
public sealed class OrderedWindow<T>
{
    private readonly Queue<Task<T>> inFlight;

    public OrderedWindow(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        inFlight = new Queue<Task<T>>(capacity);
    }

    public int Capacity { get; }

    public int Count => inFlight.Count;

    /// <summary>True when no more work may start until the oldest completes.</summary>
    public bool IsFull => inFlight.Count >= Capacity;

    public void Add(Task<T> task)
    {
        if (IsFull)
        {
            throw new InvalidOperationException("The window is full; take the oldest result first.");
        }

        inFlight.Enqueue(task);
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
