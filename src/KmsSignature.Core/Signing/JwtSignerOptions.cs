using KmsSignature.Core.Algorithms;
using KmsSignature.Core.Kms;

namespace KmsSignature.Core.Signing;

/// <summary>How <see cref="JwtSigner"/> makes tokens. Immutable once built.</summary>
public sealed class JwtSignerOptions
{
    /// <summary>The JOSE alg; null = <see cref="JwsAlgorithm.DefaultFor"/> the key spec (RS256 for RSA, ES256/ES384/ES512/ES256K by curve, Ed25519, ML-DSA-*).</summary>
    public JwsAlgorithm? Algorithm { get; init; }

    public KeyIdStyle KeyIdStyle { get; init; } = KeyIdStyle.Arn;

    public JwsSignatureFormat SignatureFormat { get; init; } = JwsSignatureFormat.Jws;

    /// <summary>Extra header members (after alg, typ, kid); may replace typ or kid, never alg.</summary>
    public IReadOnlyList<KeyValuePair<string, object?>>? Header { get; init; }
}
