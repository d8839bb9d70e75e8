using KmsSignature.Core.Algorithms;

namespace KmsSignature.Core.Verification;

/// <summary>
/// A hint for an RSASSA-PSS signature that fails: KMS and JWS (RFC 7518 §3.5) use a salt as long as the hash, and it is
/// checked so, but node and openssl before 3.1 sign with the longest salt the key allows unless told otherwise, so their
/// signatures fail here however right the key and the data are. Appended to every failed PSS check: it cannot tell the cause.
/// </summary>
public static class PssSaltHint
{
    /// <summary>The hint to append to a failure reason, or empty for other schemes.</summary>
    public static string For(SignatureAlgorithm algorithm) => algorithm.Scheme == SignatureScheme.RsaPss
        ? $"; RSASSA-PSS is checked with a {algorithm.DigestLength}-byte salt (the hash's length, as KMS signs), and a signature made " +
          "with another salt length fails: node and openssl before 3.1 sign with the longest unless told otherwise " +
          $"(openssl: -sigopt rsa_pss_saltlen:digest; node: saltLength: {algorithm.DigestLength})"
        : string.Empty;
}
