using System.Diagnostics;

namespace KmsSignature.Core.Signing;

/// <summary>
/// CPU-bound work on a fixed number of worker threads with results handed back in input order (issue 7: the
/// parallel option of Test-KmsSignature). The producer is one thread (a cmdlet's pipeline thread): it adds
/// items and collects the finished outputs it may emit. Items travel in batches (a task per item costs about
/// as much as a cheap verification) and at most <c>workers × 4</c> batches, of at most 4,096 items together (with up to
/// 1,024 workers), are in flight in an <see cref="OrderedWindow{T}"/>, so memory stays bounded however long the input is. A batch holds up to 10 ms of
/// work, judged from the time items have taken so far: cheap items (tokens, small files) go <c>batchSize</c> at a time,
/// costly ones (large files) one at a time, side by side on the workers instead of one after another in one batch.
/// An item added while a worker is idle goes out at once with those pending before it, so a slow input stream has each
/// result a step behind its input instead of a batch behind. A failing item gives
/// its exception in its place, in order; nothing is lost or duplicated. Not thread-safe on the producer side.
/// </summary>
public sealed class OrderedParallelRunner<TInput, TOutput>
{
    private readonly Func<TInput, TOutput> work;
    private readonly int workers;
    private readonly int batchSize;
    private readonly TaskFactory factory;
    private readonly OrderedWindow<OrderedOutcome<TOutput>[]> window;
    private readonly Action? waiting;
    private readonly int waitingMilliseconds;
    private readonly CancellationToken cancellationToken;
    private List<Entry> pending;

    // Stopwatch ticks per item, averaged over the batches run so far with the latest weighing half (a cold first item,
    // JIT included, is forgotten within a few batches); 0 until one has run. Workers update it without a lock: a lost
    // update only delays the estimate by a batch.
    private long averageItemTicks;

    private static readonly long TargetBatchTicks = Stopwatch.Frequency / 100;

    private const int WindowBatchesPerWorker = 4;

    // Items held at once (pending, running, or done and not yet taken): a few MB of tokens and results.
    private const int MaxItemsInFlight = 4096;

    /// <param name="work">The work for one item, run on a worker thread; an exception becomes that item's outcome.</param>
    /// <param name="workers">How many items run at once.</param>
    /// <param name="batchSize">
    /// The most items handed to a worker together. Each batch costs the producer a wake-up that takes a core from a
    /// worker: at 16, -ThrottleLimit 2 lost about 4 % of its RS256 rate to them (issue 7). Larger batches keep more
    /// items alive in the window, which the GC then promotes: at 128 the 1,000,000-token bench run peaked 10–30 MB higher.
    /// </param>
    /// <param name="waiting">
    /// Called on the producer thread every <paramref name="waitingInterval"/> while it blocks for the oldest batch
    /// (a large file being hashed): the cmdlet's chance to write progress, which only its own thread may do.
    /// </param>
    /// <param name="waitingInterval">How often <paramref name="waiting"/> is called; default 500 ms, at least 1 ms.</param>
    /// <param name="cancellationToken">
    /// Once cancelled (Ctrl+C, or a pipeline ended downstream), items not yet started are not run: each gives an
    /// <see cref="OperationCanceledException"/> instead. Items already running finish, unless <paramref name="work"/> watches
    /// the token too (Test-KmsSignature's large files stop hashing at the next buffer).
    /// </param>
    public OrderedParallelRunner(Func<TInput, TOutput> work, int workers, int batchSize = 64, Action? waiting = null, TimeSpan? waitingInterval = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        this.work = work;
        this.workers = workers;
        // Many workers make a deep window: batches shrink so that it holds at most MaxItemsInFlight items (or one per batch).
        this.batchSize = Math.Clamp(MaxItemsInFlight / (workers * WindowBatchesPerWorker), 1, batchSize);
        this.waiting = waiting;
        this.cancellationToken = cancellationToken;
        var interval = waitingInterval ?? TimeSpan.FromMilliseconds(500);
        // WaitOne counts whole milliseconds: less than one is a wait of 0, a spin calling `waiting` on the producer thread;
        // a negative one throws only once the producer first waits, with items already running.
        ArgumentOutOfRangeException.ThrowIfLessThan(interval, TimeSpan.FromMilliseconds(1), nameof(waitingInterval));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(interval, TimeSpan.FromMilliseconds(int.MaxValue), nameof(waitingInterval));
        waitingMilliseconds = waiting is null ? Timeout.Infinite : (int)interval.TotalMilliseconds;
        // The concurrent side of the pair caps how many batches run at once: exactly `workers` threads verify.
        factory = new TaskFactory(new ConcurrentExclusiveSchedulerPair(TaskScheduler.Default, workers).ConcurrentScheduler);
        window = new OrderedWindow<OrderedOutcome<TOutput>[]>(workers * WindowBatchesPerWorker);
        pending = new List<Entry>(this.batchSize);
    }

    /// <summary>Adds one item; appends to <paramref name="ready"/> every output that is now due, in input order.</summary>
    public void Add(TInput item, List<OrderedOutcome<TOutput>> ready) => Add(new Entry(item, null), ready);

    /// <summary>
    /// Adds an item that failed before it could run (the producer found it unusable): its error comes out in its place,
    /// after the outputs of the items added before it.
    /// </summary>
    public void AddFailed(Exception error, List<OrderedOutcome<TOutput>> ready)
    {
        ArgumentNullException.ThrowIfNull(error);
        Add(new Entry(default!, error), ready);
    }

    private void Add(Entry entry, List<OrderedOutcome<TOutput>> ready)
    {
        pending.Add(entry);
        if (pending.Count < CurrentBatchSize() && window.Running >= workers)
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
        while (CompleteNext(ready))
        {
        }
    }

    /// <summary>
    /// At the end of input: runs what is left and appends the outputs of the oldest batch (blocking until it is done);
    /// false when nothing is left. A caller that emits between calls hands results out as they finish, instead of
    /// holding finished ones back until the slowest item (a large file, a pipe) is done.
    /// </summary>
    public bool CompleteNext(List<OrderedOutcome<TOutput>> ready)
    {
        if (pending.Count > 0)
        {
            if (window.IsFull)
            {
                TakeOldest(ready);
                return true;
            }

            Dispatch();
        }

        if (window.Count == 0)
        {
            return false;
        }

        TakeOldest(ready);
        return true;
    }

    private void Dispatch()
    {
        var batch = pending;
        pending = new List<Entry>(batchSize);
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

    // Items for about TargetBatchTicks of work: a task per item costs about as much as a cheap item, but a batch of
    // large files on one worker would hash them one after another while other workers idle. Until a batch has run the
    // cost is unknown, and items go one at a time (the first few of a run, or every one of two large files).
    private int CurrentBatchSize()
    {
        var average = Volatile.Read(ref averageItemTicks);
        return average == 0 ? 1 : (int)Math.Clamp(TargetBatchTicks / average, 1, batchSize);
    }

    private OrderedOutcome<TOutput>[] Run(List<Entry> batch)
    {
        var started = Stopwatch.GetTimestamp();
        var outputs = new OrderedOutcome<TOutput>[batch.Count];
        for (var i = 0; i < outputs.Length; i++)
        {
            if (batch[i].Failed is { } failed)
            {
                outputs[i] = new OrderedOutcome<TOutput>(default, failed);
                continue;
            }

            if (cancellationToken.IsCancellationRequested)
            {
                // Nobody will see these outputs: the rest of the window is not worth a core (or hashing a large file).
                outputs[i] = new OrderedOutcome<TOutput>(default, new OperationCanceledException(cancellationToken));
                continue;
            }

            try
            {
                outputs[i] = new OrderedOutcome<TOutput>(work(batch[i].Input), null);
            }
            catch (Exception ex)
            {
                outputs[i] = new OrderedOutcome<TOutput>(default, ex);
            }
        }

        var perItem = Math.Max((Stopwatch.GetTimestamp() - started) / outputs.Length, 1);
        var average = Volatile.Read(ref averageItemTicks);
        Volatile.Write(ref averageItemTicks, average == 0 ? perItem : (average + perItem) / 2);
        return outputs;
    }

    private readonly record struct Entry(TInput Input, Exception? Failed);
}
