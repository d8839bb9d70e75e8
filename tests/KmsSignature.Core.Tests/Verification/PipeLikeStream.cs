namespace KmsSignature.Core.Tests.Verification;

/// <summary>A stream that reads like a pipe: no length, no seeking, no writing. Subclasses give only <see cref="Stream.Read(byte[], int, int)"/>.</summary>
internal abstract class PipeLikeStream : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
