using KmsSignature.Core.Keys;

namespace KmsSignature.Core.Kms;

/// <summary>
/// A KMS key's public key as exported: PEM (byte-identical to <c>openssl pkey -pubin</c>), JWK with
/// <c>kid</c>, <c>alg</c> and <c>use: sig</c>, and fingerprints. <see cref="ToString"/> is the PEM, so
/// writing the object to a file writes the key. Test-KmsSignature -PublicKey accepts the object itself.
/// </summary>
public sealed class KmsPublicKey
{
    internal KmsPublicKey(KmsPublicKeyInfo info, string? alias, PublicKey key, string kid, string? jwtAlgorithm)
    {
        KeyId = info.KeyId;
        Arn = info.KeyArn;
        Alias = alias;
        KeySpec = info.KeySpec;
        SigningAlgorithms = info.SigningAlgorithms;
        Kid = kid;
        JwtAlgorithm = jwtAlgorithm;
        PublicKey = key.WithMetadata(kid, jwtAlgorithm, "sig");
        Pem = key.ToPem();
        Jwk = PublicKey.ToJwk();
        Sha256Fingerprint = key.Sha256Fingerprint;
        JwkThumbprint = key.JwkThumbprint;
    }

    public string KeyId { get; }

    public string Arn { get; }

    public string? Alias { get; }

    public string KeySpec { get; }

    public IReadOnlyList<string> SigningAlgorithms { get; }

    /// <summary>The JWK <c>kid</c> chosen by -KeyIdStyle.</summary>
    public string Kid { get; }

    /// <summary>
    /// The JWK <c>alg</c>, which verifiers take as the only alg the key may use: the one asked for, else the key
    /// spec's only JOSE alg (ES256, Ed25519, ML-DSA-65, ...); null for an RSA key, which signs RS256..PS512.
    /// </summary>
    public string? JwtAlgorithm { get; }

    /// <summary>PEM "PUBLIC KEY", 64-character lines, trailing newline: what openssl prints.</summary>
    public string Pem { get; }

    /// <summary>The JWK (compact JSON) with kid, use: sig and, when <see cref="JwtAlgorithm"/> is set, alg.</summary>
    public string Jwk { get; }

    /// <summary>Lowercase hex SHA-256 of the DER SubjectPublicKeyInfo.</summary>
    public string Sha256Fingerprint { get; }

    /// <summary>RFC 7638 JWK SHA-256 thumbprint (base64url).</summary>
    public string JwkThumbprint { get; }

    /// <summary>The parsed key with kid/alg/use metadata, for trust stores and JWKS.</summary>
    public PublicKey PublicKey { get; }

    /// <summary>
    /// True when <paramref name="other"/> is the same KMS key under the same kid and alg, so a JWKS or bundle needs only one
    /// of them: a key with two aliases that match one pattern arrives twice, and a second entry with the same kid is noise
    /// to every verifier (RFC 7517 §4.5) and more than one key to a single-key format.
    /// </summary>
    public bool IsSameEntryAs(KmsPublicKey other) =>
        Arn == other.Arn && Kid == other.Kid && JwtAlgorithm == other.JwtAlgorithm;

    /// <summary>
    /// True when <paramref name="other"/> is the same KMS key, whatever its kid and alg: PEM and DER carry neither, so a
    /// bundle needs the key once even when it came under two kids (-KeyIdStyle Alias with two of its aliases).
    /// </summary>
    public bool IsSameKeyAs(KmsPublicKey other) => Arn == other.Arn;

    /// <summary>The DER SubjectPublicKeyInfo, exactly what KMS GetPublicKey returned.</summary>
    public byte[] ToDer() => PublicKey.ToDer();

    public override string ToString() => Pem;
}
