namespace KmsSignature.Core.Tests.Verification;

/// <summary>For tests that a large message is checked where it lies: allocated bytes, not time, so the same on any machine however busy.</summary>
internal static class Allocations
{
    public static readonly byte[] LargeMessage = [.. Enumerable.Range(0, 4 * 1024 * 1024).Select(i => (byte)(i * 7))];

    /// <summary>The bytes the second call of <paramref name="verify"/> allocates on this thread (the first JITs and fills lazy tables).</summary>
    public static long Of<T>(Func<T> verify, out T result)
    {
        verify();
        var before = GC.GetAllocatedBytesForCurrentThread();
        result = verify();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    /// <summary>Fails unless far less than the message was allocated: a copy of it would be at least its size.</summary>
    public static void AssertNoCopyOf(byte[] message, long allocated) =>
        Assert.True(allocated < message.Length / 4, $"{allocated} bytes allocated to verify a {message.Length}-byte message");
}
