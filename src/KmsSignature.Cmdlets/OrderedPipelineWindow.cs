using System.Management.Automation;
using KmsSignature.Core;
using KmsSignature.Core.Signing;

namespace KmsSignature.Cmdlets;

/// <summary>
/// The cmdlet side of bounded, ordered concurrency: starts one KMS operation per input, keeps at most
/// -ThrottleLimit in flight, writes results (or each item's error) in input order, and reports progress.
/// Shared by New-KmsSignedJwt and New-KmsSignature.
/// <para>
/// Results wait in a reorder buffer of <see cref="ReorderFactor"/> × -ThrottleLimit items behind a slow oldest
/// call (a Sign that KMS throttled and that is backing off), so the other slots keep the request rate up meanwhile.
/// </para>
/// </summary>
internal sealed class OrderedPipelineWindow<T>
    where T : class
{
    private readonly KmsCmdletBase cmdlet;
    private readonly OrderedWindow<T> window;
    private readonly Action<T> write;
    private readonly Action<KmsSignatureException> writeError;
    private readonly Action<T>? release;
    private readonly ProgressTicker progress;
    private int started;
    private int finished;
    private volatile bool runWideFailure;

    /// <summary>
    /// Reorder buffer per in-flight slot. A throttled Sign backs off for up to about a second, and at a quota of
    /// 1,000–2,000 req/s the other slots finish that many calls meanwhile: 64 × 32 = 2,048 small results (≈1 MB)
    /// keep them going without letting memory grow with the input.
    /// </summary>
    public const int ReorderFactor = 64;

    /// <param name="release">For results that hold something until written (a prepared file): called for each one the run
    /// drops (or whose <paramref name="write"/> throws), then or when it completes after the run.</param>
    public OrderedPipelineWindow(KmsCmdletBase cmdlet, int throttleLimit, string activity, Action<T> write, Action<KmsSignatureException> writeError,
        Action<T>? release = null)
    {
        this.cmdlet = cmdlet;
        window = new OrderedWindow<T>(throttleLimit * ReorderFactor, throttleLimit);
        progress = new ProgressTicker(cmdlet, activity);
        this.write = write;
        this.writeError = writeError;
        this.release = release;
    }

    public int Finished => finished;

    /// <summary>Starts one operation once a slot is free (and the reorder buffer has room), writing what is due meanwhile.</summary>
    public void Add(Func<CancellationToken, Task<T>> operation)
    {
        while (!window.CanStart)
        {
            cmdlet.WaitFor(window.WhenCanStart());
            WriteCompleted();
        }

        if (runWideFailure)
        {
            // A call in flight failed as every later one would (KMS unreachable, credentials refused): send nothing more;
            // the results before it are written, then its error ends the run.
            WriteAll();
        }

        Task<T> task;
        try
        {
            task = operation(cmdlet.CancellationToken);
        }
        catch (Exception ex)
        {
            task = Task.FromException<T>(ex);
        }

        // Registered before the window's own continuation, which frees the slot: the pipeline thread that wakes for that slot sees the flag.
        task.ContinueWith(
            done =>
            {
                if (done.Exception?.InnerException is KmsSignatureException { IsRunWide: true })
                {
                    runWideFailure = true;
                }
            },
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        window.Add(task);
        started++;
        WriteCompleted();
    }

    /// <summary>An item that failed before its operation could start: its error takes the item's place among the results.</summary>
    public void AddFailed(Exception error) => Add(_ => Task.FromException<T>(error));

    /// <summary>Waits for everything in flight and writes it, in order.</summary>
    public void Drain()
    {
        WriteAll();
        progress.Complete();
    }

    /// <summary>Drops what the run did not write (it stopped, or failed with -ErrorAction Stop): see the constructor's release.</summary>
    public void DropUnwritten()
    {
        if (release is not null)
        {
            window.DropAll(release);
        }
    }

    private void WriteAll()
    {
        while (window.Count > 0)
        {
            cmdlet.WaitFor(window.Oldest);
            WriteCompleted();
        }
    }

    private void WriteCompleted()
    {
        // A run whose calls finish before the next item comes never waits for them: their messages go out here.
        cmdlet.WritePosted();
        while (window.TryTakeCompleted(out var task))
        {
            finished++;
            if (task.IsCanceled || (task.IsFaulted && task.Exception!.InnerException is OperationCanceledException && cmdlet.CancellationToken.IsCancellationRequested))
            {
                throw new PipelineStoppedException();
            }

            if (task.IsFaulted)
            {
                var error = task.Exception!.InnerException!;
                writeError(error as KmsSignatureException
                           ?? new KmsSignatureException("SigningFailed", ErrorKind.InvalidOperation, error.Message, null, error));
            }
            else
            {
                try
                {
                    write(task.Result);
                }
                catch when (release is not null)
                {
                    // Stopped while writing it (-ErrorAction Stop on its error, Ctrl+C): release it, as the rest still held.
                    release(task.Result);
                    throw;
                }
            }
        }

        if (progress.Due)
        {
            progress.Write($"{finished:N0} done, {window.Running} in flight, {finished / progress.Elapsed:N0}/s");
        }
    }
}
