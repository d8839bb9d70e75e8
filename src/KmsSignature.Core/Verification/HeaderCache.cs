using KmsSignature.Core.Jose;

namespace KmsSignature.Core.Verification;

/// <summary>
/// The last few distinct protected headers a verifier has parsed, by their exact base64url text. Tokens from
/// one signer share a header (alg, kid, typ), so nearly every token skips decoding and parsing it: one span
/// comparison instead. Only headers that parsed are kept; a header's text determines its meaning, so a hit is
/// exactly the parse it replaces. Lock-free: entries are immutable and replaced whole.
/// </summary>
internal sealed class HeaderCache
{
    private const int Slots = 8;

    // Headers are a few dozen to a few hundred chars; a hostile stream of huge headers must not pin memory.
    private const int MaxCachedLength = 512;

    private readonly Entry?[] entries = new Entry?[Slots];
    private int next;

    public JoseHeader? Find(ReadOnlySpan<char> headerText)
    {
        foreach (var entry in entries)
        {
            if (entry is not null && headerText.SequenceEqual(entry.Text))
            {
                return entry.Header;
            }
        }

        return null;
    }

    public void Add(ReadOnlySpan<char> headerText, JoseHeader header)
    {
        if (headerText.Length > MaxCachedLength)
        {
            return;
        }

        var slot = (int)((uint)Interlocked.Increment(ref next) % Slots);
        Volatile.Write(ref entries[slot], new Entry(headerText.ToString(), header));
    }

    private sealed record Entry(string Text, JoseHeader Header);
}
