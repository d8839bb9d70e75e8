using KmsSignature.Core.Verification;

namespace KmsSignature.Core.Tests.Verification;

/// <summary>
/// A stopped run (Ctrl+C, a pipeline ended downstream) must not go on reading a large file or a pipe to its end: the
/// streaming paths check the cancellation token after each buffer.
/// </summary>
public sealed class DetachedSignatureCancellationTests
{
    // Ed25519 (pure) reads the message whole, up to its in-memory bound; the others hash it as a stream.
    [Theory]
    [InlineData("p256")]
    [InlineData("rsa2048")]
    [InlineData("ed25519")]
    public void Verify_of_an_endless_stream_stops_soon_after_cancellation(string key)
    {
        var verifier = new DetachedSignatureVerifier(TrustStore.FromKeys([Fixtures.Key(key)]));
        using var stopping = new CancellationTokenSource();
        using var endless = new EndlessStream(cancelAfterReads: 3, stopping);

        Assert.ThrowsAny<OperationCanceledException>(() => verifier.Verify(endless, "AAAA"u8, cancellationToken: stopping.Token));

        // The read that saw the token cancelled is the last one, or very nearly (ReadAtLeast may finish its buffer first).
        Assert.InRange(endless.Reads, 3, 3 + 32);
    }

    [Fact]
    public void Verify_of_a_stream_with_a_token_never_cancelled_reads_to_the_end()
    {
        var verifier = new DetachedSignatureVerifier(TrustStore.FromKeys([Fixtures.Key("p256")]));
        using var stopping = new CancellationTokenSource();
        using var finite = new EndlessStream(cancelAfterReads: int.MaxValue, stopping);

        var result = verifier.Verify(finite, "AAAA"u8, cancellationToken: stopping.Token);

        Assert.Equal(VerificationStatus.InvalidSignature, result.Status);
        Assert.Equal(EndlessStream.GuardReads + 1, finite.Reads); // the last read is the one that finds the end
    }

    /// <summary>
    /// Zeros, 64 KiB per read (as a pipe gives them), with no end; it cancels <c>stopping</c> at read
    /// <c>cancelAfterReads</c>, as Ctrl+C would while it is being read. Past <see cref="GuardReads"/> (128 MiB) it ends
    /// after all, so code that ignores the token returns a result instead of hanging the test run.
    /// </summary>
    private sealed class EndlessStream(int cancelAfterReads, CancellationTokenSource stopping) : PipeLikeStream
    {
        public const int GuardReads = 2048;

        public int Reads { get; private set; }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            Reads++;
            if (Reads == cancelAfterReads)
            {
                stopping.Cancel();
            }

            if (Reads > GuardReads)
            {
                return 0;
            }

            var length = Math.Min(buffer.Length, 64 * 1024);
            buffer[..length].Clear();
            return length;
        }
    }
}
