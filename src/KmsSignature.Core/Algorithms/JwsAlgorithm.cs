namespace KmsSignature.Core.Algorithms;

/// <summary>
/// A JWS <c>alg</c> value (RFC 7518, RFC 8812 for ES256K, RFC 9864 for Ed25519, the JOSE ML-DSA draft)
/// tied to the KMS algorithm that makes it and the key specs it fits. Unlike a KMS name, a JOSE name
/// can pin the curve (ES256 vs ES256K share ECDSA_SHA_256), so fit is decided per key spec.
/// </summary>
public sealed class JwsAlgorithm
{
    private readonly KmsKeySpec[] keySpecs;

    private JwsAlgorithm(string name, SignatureAlgorithm kmsAlgorithm, bool isLegacyName, params KmsKeySpec[] keySpecs)
    {
        Name = name;
        KmsAlgorithm = kmsAlgorithm;
        IsLegacyName = isLegacyName;
        this.keySpecs = keySpecs;
    }

    public string Name { get; }

    public SignatureAlgorithm KmsAlgorithm { get; }

    /// <summary>True for <c>EdDSA</c>, deprecated by RFC 9864 in favour of the fully specified <c>Ed25519</c>.</summary>
    public bool IsLegacyName { get; }

    public IReadOnlyList<KmsKeySpec> KeySpecs => keySpecs;

    public bool Fits(KmsKeySpec spec) => Array.IndexOf(keySpecs, spec) >= 0;

    public override string ToString() => Name;

    private static readonly KmsKeySpec[] Rsa = [KmsKeySpec.Rsa2048, KmsKeySpec.Rsa3072, KmsKeySpec.Rsa4096];

    public static JwsAlgorithm RS256 { get; } = new("RS256", SignatureAlgorithm.RsaPkcs1Sha256, false, Rsa);
    public static JwsAlgorithm RS384 { get; } = new("RS384", SignatureAlgorithm.RsaPkcs1Sha384, false, Rsa);
    public static JwsAlgorithm RS512 { get; } = new("RS512", SignatureAlgorithm.RsaPkcs1Sha512, false, Rsa);
    public static JwsAlgorithm PS256 { get; } = new("PS256", SignatureAlgorithm.RsaPssSha256, false, Rsa);
    public static JwsAlgorithm PS384 { get; } = new("PS384", SignatureAlgorithm.RsaPssSha384, false, Rsa);
    public static JwsAlgorithm PS512 { get; } = new("PS512", SignatureAlgorithm.RsaPssSha512, false, Rsa);
    public static JwsAlgorithm ES256 { get; } = new("ES256", SignatureAlgorithm.EcdsaSha256, false, KmsKeySpec.EccNistP256);
    public static JwsAlgorithm ES384 { get; } = new("ES384", SignatureAlgorithm.EcdsaSha384, false, KmsKeySpec.EccNistP384);
    public static JwsAlgorithm ES512 { get; } = new("ES512", SignatureAlgorithm.EcdsaSha512, false, KmsKeySpec.EccNistP521);
    public static JwsAlgorithm ES256K { get; } = new("ES256K", SignatureAlgorithm.EcdsaSha256, false, KmsKeySpec.EccSecgP256K1);
    public static JwsAlgorithm Ed25519 { get; } = new("Ed25519", SignatureAlgorithm.Ed25519Sha512, false, KmsKeySpec.EccNistEdwards25519);
    public static JwsAlgorithm EdDSA { get; } = new("EdDSA", SignatureAlgorithm.Ed25519Sha512, true, KmsKeySpec.EccNistEdwards25519);
    public static JwsAlgorithm MlDsa44 { get; } = new("ML-DSA-44", SignatureAlgorithm.MlDsaShake256, false, KmsKeySpec.MlDsa44);
    public static JwsAlgorithm MlDsa65 { get; } = new("ML-DSA-65", SignatureAlgorithm.MlDsaShake256, false, KmsKeySpec.MlDsa65);
    public static JwsAlgorithm MlDsa87 { get; } = new("ML-DSA-87", SignatureAlgorithm.MlDsaShake256, false, KmsKeySpec.MlDsa87);

    public static IReadOnlyList<JwsAlgorithm> All { get; } =
    [
        RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, ES256K, Ed25519, EdDSA, MlDsa44, MlDsa65, MlDsa87,
    ];

    /// <summary>JWS alg names are case-sensitive (RFC 7515 §4.1.1), so lookup is ordinal.</summary>
    public static bool TryParse(string? name, out JwsAlgorithm algorithm)
    {
        algorithm = All.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.Ordinal))!;
        return algorithm is not null;
    }

    /// <summary>
    /// Names that must never verify against a KMS key, whatever an allow-list says: <c>none</c> (unsigned)
    /// and HMAC, whose "secret" an attacker would take from the public key (key confusion).
    /// </summary>
    public static bool IsForbidden(string? name) =>
        name is null || name.Equals("none", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("HS", StringComparison.OrdinalIgnoreCase);

    /// <summary>Every JOSE alg that fits the key spec: the verifier's default allow-list.</summary>
    public static IReadOnlyList<JwsAlgorithm> ForKeySpec(KmsKeySpec spec) => All.Where(a => a.Fits(spec)).ToArray();

    /// <summary>
    /// The alg a token gets when the caller names none: RS256 for RSA (the one every JOSE library
    /// supports), the curve's ES alg for EC, <c>Ed25519</c> (RFC 9864) for Ed25519, the parameter set's ML-DSA alg.
    /// </summary>
    public static JwsAlgorithm DefaultFor(KmsKeySpec spec) => spec.Family() == KeyFamily.Rsa ? RS256 : ForKeySpec(spec)[0];

    /// <summary>
    /// The alg a key spec signs with when it has only one, which an exported JWK may pin: the curve's ES alg,
    /// <c>Ed25519</c> (<c>EdDSA</c> is the same algorithm under its deprecated name), the parameter set's ML-DSA alg.
    /// Null for RSA: a KMS RSA key signs RS256..RS512 and PS256..PS512, and a JWK <c>alg</c> would admit only one.
    /// </summary>
    public static JwsAlgorithm? SingleFor(KmsKeySpec spec) => spec.Family() == KeyFamily.Rsa ? null : ForKeySpec(spec)[0];
}
