namespace KmsSignature.Core.Files;

/// <summary>
/// A file written by <see cref="AtomicFile.Prepare"/> to a temporary file next to its target, not yet in place: exactly one of
/// <see cref="Commit"/> (rename it over the target) or <see cref="Discard"/> (delete it) ends it. Disposing discards what was not
/// committed. Thread-safe: a discard from another thread (a run that stopped) and a commit never both take effect.
/// </summary>
public sealed class PreparedFile : IDisposable
{
    private readonly string full;
    private readonly string temp;
    private readonly bool overwrite;
    private readonly object gate = new();
    private State state;

    internal PreparedFile(string full, string target, string temp, bool overwrite)
    {
        this.full = full;
        Target = target;
        this.temp = temp;
        this.overwrite = overwrite;
    }

    private enum State
    {
        Prepared,
        Committed,
        Discarded,
    }

    /// <summary>The file the content goes to (symbolic links followed).</summary>
    public string Target { get; }

    /// <summary>
    /// Renames the temporary file over the target. A target that appeared meanwhile without overwrite is OutputFileExists,
    /// and any failure deletes the temporary file; committing a discarded file is a caller's bug (InvalidOperationException).
    /// </summary>
    public void Commit()
    {
        lock (gate)
        {
            if (state != State.Prepared)
            {
                throw new InvalidOperationException(state == State.Committed ? "The file is already committed." : "The file was discarded.");
            }

            try
            {
                File.Move(temp, Target, overwrite);
                state = State.Committed;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Nothing is left to commit later.
                state = State.Discarded;
                AtomicFile.DeleteQuietly(temp);
                throw AtomicFile.Failure(ex, full, Target, Path.GetDirectoryName(Target) ?? ".", overwrite);
            }
        }
    }

    /// <summary>Deletes the temporary file unless the file was committed; safe to call more than once.</summary>
    public void Discard()
    {
        lock (gate)
        {
            if (state == State.Prepared)
            {
                state = State.Discarded;
                AtomicFile.DeleteQuietly(temp);
            }
        }
    }

    public void Dispose() => Discard();
}
