using System.Security.Cryptography;

namespace KmsSignature.Core.Algorithms;

/// <summary>
/// One KMS signing algorithm with its hash and the key family it fits (JOSE names: <see cref="JwsAlgorithm"/>).
/// The catalog is the single source of truth for "which alg fits which key": the verifier
/// enforces it because an exported public key no longer carries KMS's constraints.
/// </summary>
public sealed class SignatureAlgorithm
{
    private SignatureAlgorithm(string kmsName, SignatureScheme scheme, HashAlgorithmName hash, int digestLength,
        KeyFamily family)
    {
        KmsName = kmsName;
        Scheme = scheme;
        Hash = hash;
        DigestLength = digestLength;
        Family = family;
    }

    /// <summary>The KMS wire name, e.g. <c>ECDSA_SHA_256</c>.</summary>
    public string KmsName { get; }

    public SignatureScheme Scheme { get; }

    /// <summary>The hash a DIGEST message must be made with (SHA-512 for Ed25519ph; none for ML-DSA and pure Ed25519).</summary>
    public HashAlgorithmName Hash { get; }

    /// <summary>Length a DIGEST message must have; 0 where KMS accepts no DIGEST (pure Ed25519, ML-DSA).</summary>
    public int DigestLength { get; }

    public KeyFamily Family { get; }

    /// <summary>True when KMS accepts MessageType RAW (message up to 4096 bytes).</summary>
    public bool AcceptsRaw => Scheme != SignatureScheme.Ed25519Ph;

    /// <summary>True when KMS accepts MessageType DIGEST (the caller hashes the message).</summary>
    public bool AcceptsDigest => DigestLength > 0;

    public override string ToString() => KmsName;

    public static SignatureAlgorithm RsaPkcs1Sha256 { get; } = new("RSASSA_PKCS1_V1_5_SHA_256", SignatureScheme.RsaPkcs1, HashAlgorithmName.SHA256, 32, KeyFamily.Rsa);
    public static SignatureAlgorithm RsaPkcs1Sha384 { get; } = new("RSASSA_PKCS1_V1_5_SHA_384", SignatureScheme.RsaPkcs1, HashAlgorithmName.SHA384, 48, KeyFamily.Rsa);
    public static SignatureAlgorithm RsaPkcs1Sha512 { get; } = new("RSASSA_PKCS1_V1_5_SHA_512", SignatureScheme.RsaPkcs1, HashAlgorithmName.SHA512, 64, KeyFamily.Rsa);
    public static SignatureAlgorithm RsaPssSha256 { get; } = new("RSASSA_PSS_SHA_256", SignatureScheme.RsaPss, HashAlgorithmName.SHA256, 32, KeyFamily.Rsa);
    public static SignatureAlgorithm RsaPssSha384 { get; } = new("RSASSA_PSS_SHA_384", SignatureScheme.RsaPss, HashAlgorithmName.SHA384, 48, KeyFamily.Rsa);
    public static SignatureAlgorithm RsaPssSha512 { get; } = new("RSASSA_PSS_SHA_512", SignatureScheme.RsaPss, HashAlgorithmName.SHA512, 64, KeyFamily.Rsa);
    public static SignatureAlgorithm EcdsaSha256 { get; } = new("ECDSA_SHA_256", SignatureScheme.Ecdsa, HashAlgorithmName.SHA256, 32, KeyFamily.Ec);
    public static SignatureAlgorithm EcdsaSha384 { get; } = new("ECDSA_SHA_384", SignatureScheme.Ecdsa, HashAlgorithmName.SHA384, 48, KeyFamily.Ec);
    public static SignatureAlgorithm EcdsaSha512 { get; } = new("ECDSA_SHA_512", SignatureScheme.Ecdsa, HashAlgorithmName.SHA512, 64, KeyFamily.Ec);
    public static SignatureAlgorithm Ed25519Sha512 { get; } = new("ED25519_SHA_512", SignatureScheme.Ed25519, default, 0, KeyFamily.Ed25519);
    public static SignatureAlgorithm Ed25519PhSha512 { get; } = new("ED25519_PH_SHA_512", SignatureScheme.Ed25519Ph, HashAlgorithmName.SHA512, 64, KeyFamily.Ed25519);
    public static SignatureAlgorithm MlDsaShake256 { get; } = new("ML_DSA_SHAKE_256", SignatureScheme.MlDsa, default, 0, KeyFamily.MlDsa);

    /// <summary>Every KMS signing algorithm this module knows.</summary>
    public static IReadOnlyList<SignatureAlgorithm> All { get; } =
    [
        RsaPkcs1Sha256, RsaPkcs1Sha384, RsaPkcs1Sha512, RsaPssSha256, RsaPssSha384, RsaPssSha512,
        EcdsaSha256, EcdsaSha384, EcdsaSha512, Ed25519Sha512, Ed25519PhSha512, MlDsaShake256,
    ];

    public static bool TryFromKmsName(string? name, out SignatureAlgorithm algorithm)
    {
        algorithm = All.FirstOrDefault(a => string.Equals(a.KmsName, name, StringComparison.OrdinalIgnoreCase))!;
        return algorithm is not null;
    }

    /// <summary>The algorithms KMS lists for a key spec (GetPublicKey's SigningAlgorithms), in KMS order.</summary>
    public static IReadOnlyList<SignatureAlgorithm> ForKeySpec(KmsKeySpec spec) => spec switch
    {
        KmsKeySpec.Rsa2048 or KmsKeySpec.Rsa3072 or KmsKeySpec.Rsa4096 =>
            [RsaPssSha256, RsaPssSha384, RsaPssSha512, RsaPkcs1Sha256, RsaPkcs1Sha384, RsaPkcs1Sha512],
        KmsKeySpec.EccNistP256 or KmsKeySpec.EccSecgP256K1 => [EcdsaSha256],
        KmsKeySpec.EccNistP384 => [EcdsaSha384],
        KmsKeySpec.EccNistP521 => [EcdsaSha512],
        KmsKeySpec.EccNistEdwards25519 => [Ed25519Sha512, Ed25519PhSha512],
        _ => [MlDsaShake256],
    };

    /// <summary>
    /// The default algorithm for files and raw messages: PKCS#1 v1.5 SHA-256 for RSA (what
    /// <c>openssl dgst -sha256 -sign</c> makes and every verifier accepts), pure Ed25519, otherwise the only one.
    /// </summary>
    public static SignatureAlgorithm DefaultFor(KmsKeySpec spec) =>
        spec.Family() == KeyFamily.Rsa ? RsaPkcs1Sha256 : ForKeySpec(spec)[0];
}
