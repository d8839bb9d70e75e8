namespace KmsSignature.Core.Verification;

/// <summary>
/// Reads a pipe or device so that a cancelled token ends the wait: a pipe whose writer sends nothing blocks read(2)
/// for ever, where no token reaches. Each read runs on the thread pool into a buffer of its own and the caller waits for
/// it or for the token; a read abandoned that way finishes (into that buffer, never the caller's) when the writer writes
/// or closes. Only for handles that have no length: regular files keep their direct reads.
/// </summary>
internal sealed class StoppableReadStream(FileStream inner, CancellationToken cancellationToken) : Stream
{
    private byte[] buffer = [];

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] destination, int offset, int count) => Read(destination.AsSpan(offset, count));

    public override int Read(Span<byte> destination)
    {
        if (destination.IsEmpty)
        {
            return 0;
        }

        if (buffer.Length < destination.Length)
        {
            buffer = new byte[destination.Length];
        }

        var target = buffer;
        var read = inner.ReadAsync(target, 0, destination.Length, CancellationToken.None);
        try
        {
            read.WaitAsync(cancellationToken).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The read goes on into target; the next read, if any, must not share it.
            buffer = [];
            _ = read.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            throw;
        }

        var count = read.GetAwaiter().GetResult();
        target.AsSpan(0, count).CopyTo(destination);
        return count;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] source, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
