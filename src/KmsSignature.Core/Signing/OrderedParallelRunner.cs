namespace KmsSignature.Core.Signing;

/// <summary>
/// CPU-bound work on a fixed number of worker threads with results handed back in input order (issue 7: the
/// parallel option of Test-KmsSignature). The producer is one thread (a cmdlet's pipeline thread): it adds
/// items and collects the finished outputs it may emit. Items travel in batches (a task per item costs about
/// as much as a cheap verification) and at most <c>workers × 4</c> batches are in flight in an
/// <see cref="OrderedWindow{T}"/>, so memory stays bounded however long the input is. A failing item gives
/// its exception in its place, in order; nothing is lost or duplicated. Not thread-safe on the producer side.
/// </summary>
public sealed class OrderedParallelRunner<TInput, TOutput>
{
    private readonly Func<TInput, TOutput> work;
    private readonly int batchSize;
    private readonly TaskFactory factory;
    private readonly OrderedWindow<OrderedOutcome<TOutput>[]> window;
    private readonly Action? waiting;
    private readonly int waitingMilliseconds;
    private List<TInput> pending;

    /// <param name="work">The work for one item, run on a worker thread; an exception becomes that item's outcome.</param>
    /// <param name="workers">How many items run at once.</param>
    /// <param name="batchSize">Items handed to a worker together.</param>
    /// <param name="waiting">
    /// Called on the producer thread every <paramref name="waitingInterval"/> while it blocks for the oldest batch
    /// (a large file being hashed): the cmdlet's chance to write progress, which only its own thread may do.
    /// </param>
    /// <param name="waitingInterval">How often <paramref name="waiting"/> is called; default 500 ms.</param>
    public OrderedParallelRunner(Func<TInput, TOutput> work, int workers, int batchSize = 16, Action? waiting = null, TimeSpan? waitingInterval = null)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        this.work = work;
        this.batchSize = batchSize;
        this.waiting = waiting;
        waitingMilliseconds = waiting is null ? Timeout.Infinite : (int)(waitingInterval ?? TimeSpan.FromMilliseconds(500)).TotalMilliseconds;
        // The concurrent side of the pair caps how many batches run at once: exactly `workers` threads verify.
        factory = new TaskFactory(new ConcurrentExclusiveSchedulerPair(TaskScheduler.Default, workers).ConcurrentScheduler);
        window = new OrderedWindow<OrderedOutcome<TOutput>[]>(workers * 4);
        pending = new List<TInput>(batchSize);
    }

    /// <summary>Adds one item; appends to <paramref name="ready"/> every output that is now due, in input order.</summary>
    public void Add(TInput item, List<OrderedOutcome<TOutput>> ready)
    {
        pending.Add(item);
        if (pending.Count < batchSize)
        {
            return;
        }

        if (window.IsFull)
        {
            TakeOldest(ready);
        }

        Dispatch();
        while (window.TryTakeCompleted(out var done))
        {
            ready.AddRange(done.Result);
        }
    }

    /// <summary>Runs what is left and appends every remaining output, in order (blocks until done).</summary>
    public void Complete(List<OrderedOutcome<TOutput>> ready)
    {
        if (pending.Count > 0)
        {
            if (window.IsFull)
            {
                TakeOldest(ready);
            }

            Dispatch();
        }

        while (window.Count > 0)
        {
            TakeOldest(ready);
        }
    }

    private void Dispatch()
    {
        var batch = pending;
        pending = new List<TInput>(batchSize);
        window.Add(factory.StartNew(() => Run(batch)));
    }

    private void TakeOldest(List<OrderedOutcome<TOutput>> ready)
    {
        // Block without spinning: Task.Wait spins first, and with as many workers as cores a spinning producer
        // takes a core from them (issue 7: ES256 -ThrottleLimit 2 went from about 1.2x to 1.7x one core).
        // Batches never fault (Run catches per item), so waiting cannot throw.
        var oldest = window.Oldest;
        if (!oldest.IsCompleted)
        {
            var handle = ((IAsyncResult)oldest).AsyncWaitHandle;
            while (!handle.WaitOne(waitingMilliseconds))
            {
                waiting!();
            }
        }

        window.TryTakeCompleted(out var done);
        ready.AddRange(done.Result);
        done.Dispose(); // releases the wait handle made above
    }

    private OrderedOutcome<TOutput>[] Run(List<TInput> batch)
    {
        var outputs = new OrderedOutcome<TOutput>[batch.Count];
        for (var i = 0; i < outputs.Length; i++)
        {
            try
            {
                outputs[i] = new OrderedOutcome<TOutput>(work(batch[i]), null);
            }
            catch (Exception ex)
            {
                outputs[i] = new OrderedOutcome<TOutput>(default, ex);
            }
        }

        return outputs;
    }
}
