using System.Buffers;

namespace KmsSignature.Core.Verification;

/// <summary>
/// A byte buffer of a given length: the caller's stack buffer when it fits (every normal token), a pooled array
/// otherwise. Dispose returns the array. Keeps the hot path free of allocations without a try/finally per use.
/// </summary>
internal ref struct ScratchBuffer
{
    private byte[]? rented;

    public ScratchBuffer(Span<byte> stack, int length)
    {
        if (length <= stack.Length)
        {
            Span = stack[..length];
        }
        else
        {
            rented = ArrayPool<byte>.Shared.Rent(length);
            Span = rented.AsSpan(0, length);
        }
    }

    public Span<byte> Span { get; }

    public void Dispose()
    {
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
            rented = null;
        }
    }
}
