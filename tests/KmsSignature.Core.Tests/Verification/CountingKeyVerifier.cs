using KmsSignature.Core.Algorithms;
using KmsSignature.Core.Verification;

namespace KmsSignature.Core.Tests.Verification;

/// <summary>A test verifier that counts what it is asked: a message (hashed inside, per call) or a digest (hashed by the caller).</summary>
internal sealed class CountingKeyVerifier(KeyVerifier inner) : KeyVerifier(inner.Key)
{
    public int MessageCalls { get; private set; }

    public int DigestCalls { get; private set; }

    public List<int> DigestLengths { get; } = [];

    public override bool Verify(SignatureAlgorithm algorithm, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        MessageCalls++;
        return inner.Verify(algorithm, message, signature);
    }

    public override bool VerifyDigest(SignatureAlgorithm algorithm, ReadOnlySpan<byte> digest, ReadOnlySpan<byte> signature)
    {
        DigestCalls++;
        DigestLengths.Add(digest.Length);
        return inner.VerifyDigest(algorithm, digest, signature);
    }
}
