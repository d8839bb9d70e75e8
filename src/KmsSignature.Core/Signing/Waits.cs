namespace KmsSignature.Core.Signing;

/// <summary>Waits a cmdlet's pipeline thread makes on operations it does not own (an ordered window's), ended by its token.</summary>
public static class Waits
{
    /// <summary>
    /// Completes when <paramref name="task"/> does, whatever its outcome (not observed: the window hands it back in turn), or
    /// with an <see cref="OperationCanceledException"/> once <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public static async Task UntilDone(Task task, CancellationToken cancellationToken)
    {
        // WaitAsync leaves the token when the task completes. WhenAny with an endless Task.Delay(token) did not: each wait
        // left its delay registered on the cmdlet's token until the run ended, one per item of a bulk run.
        await Task.WhenAny(task).WaitAsync(cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }
}
