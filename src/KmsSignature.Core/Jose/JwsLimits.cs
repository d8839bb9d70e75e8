namespace KmsSignature.Core.Jose;

/// <summary>
/// Size limits applied before any decoding, so a hostile token (a 1 MB header, a 100 MB payload)
/// costs a length check, not memory or CPU. Generous for real tokens: an ML-DSA-87 signature is
/// 4,627 bytes (6,170 base64url characters).
/// </summary>
public static class JwsLimits
{
    /// <summary>Longest compact token accepted, in characters.</summary>
    public const int MaxTokenLength = 1024 * 1024;

    /// <summary>Longest protected header segment, in base64url characters (8 KiB: headers are small).</summary>
    public const int MaxHeaderLength = 8 * 1024;

    /// <summary>Longest signature segment, in base64url characters.</summary>
    public const int MaxSignatureLength = 8 * 1024;

    /// <summary>Nesting depth allowed in header and claims JSON.</summary>
    public const int MaxJsonDepth = 32;
}
