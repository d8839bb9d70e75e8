namespace KmsSignature.Core.Verification;

/// <summary>The outcome of one verification. Only <see cref="Valid"/> means "trust this".</summary>
public enum VerificationStatus
{
    /// <summary>The signature verifies with a trusted key and every configured check passed.</summary>
    Valid,

    /// <summary>The signature does not verify with the key (tampered data, wrong key, wrong encoding).</summary>
    InvalidSignature,

    /// <summary>Authentic, but <c>exp</c> is past (beyond the clock skew).</summary>
    Expired,

    /// <summary>Authentic, but <c>nbf</c> is in the future (beyond the clock skew).</summary>
    NotYetValid,

    /// <summary>No trusted key for the token's <c>kid</c> (or for the signature's algorithm).</summary>
    UntrustedKey,

    /// <summary>The alg is forbidden (<c>none</c>, HS*), unknown, not in the allow-list, or does not fit the key.</summary>
    AlgorithmNotAllowed,

    /// <summary>Authentic, but <c>iss</c> or <c>aud</c> is not what the caller expects.</summary>
    ClaimMismatch,

    /// <summary>The token or signature is not well-formed (segments, base64url, JSON, sizes, signature length).</summary>
    Malformed,

    /// <summary>The header has <c>crit</c> extensions; this verifier implements none, so RFC 7515 §4.1.11 rejects it.</summary>
    UnsupportedCriticalHeader,

    /// <summary>The algorithm needs the whole message in memory (pure Ed25519, ML-DSA) and the message is over the bound.</summary>
    MessageTooLarge,
}
