using System.Security.Cryptography;

namespace KmsSignature.LocalKms.Keys;

/// <summary>A KMS SigningAlgorithmSpec: its scheme, hash and the MessageTypes KMS accepts with it.</summary>
internal sealed record SigningAlgorithmInfo(string Name, SignatureScheme Scheme, HashAlgorithmName Hash, int DigestLength)
{
    public static readonly IReadOnlyList<string> AllNames =
    [
        "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512",
        "RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512",
        "ECDSA_SHA_256", "ECDSA_SHA_384", "ECDSA_SHA_512", "SM2DSA", "ML_DSA_SHAKE_256",
        "ED25519_SHA_512", "ED25519_PH_SHA_512",
    ];

    private static readonly Dictionary<string, SigningAlgorithmInfo> ByName = new[]
    {
        new SigningAlgorithmInfo("RSASSA_PSS_SHA_256", SignatureScheme.RsaPss, HashAlgorithmName.SHA256, 32),
        new SigningAlgorithmInfo("RSASSA_PSS_SHA_384", SignatureScheme.RsaPss, HashAlgorithmName.SHA384, 48),
        new SigningAlgorithmInfo("RSASSA_PSS_SHA_512", SignatureScheme.RsaPss, HashAlgorithmName.SHA512, 64),
        new SigningAlgorithmInfo("RSASSA_PKCS1_V1_5_SHA_256", SignatureScheme.RsaPkcs1, HashAlgorithmName.SHA256, 32),
        new SigningAlgorithmInfo("RSASSA_PKCS1_V1_5_SHA_384", SignatureScheme.RsaPkcs1, HashAlgorithmName.SHA384, 48),
        new SigningAlgorithmInfo("RSASSA_PKCS1_V1_5_SHA_512", SignatureScheme.RsaPkcs1, HashAlgorithmName.SHA512, 64),
        new SigningAlgorithmInfo("ECDSA_SHA_256", SignatureScheme.Ecdsa, HashAlgorithmName.SHA256, 32),
        new SigningAlgorithmInfo("ECDSA_SHA_384", SignatureScheme.Ecdsa, HashAlgorithmName.SHA384, 48),
        new SigningAlgorithmInfo("ECDSA_SHA_512", SignatureScheme.Ecdsa, HashAlgorithmName.SHA512, 64),
        new SigningAlgorithmInfo("ED25519_SHA_512", SignatureScheme.Ed25519, HashAlgorithmName.SHA512, 64),
        new SigningAlgorithmInfo("ED25519_PH_SHA_512", SignatureScheme.Ed25519ph, HashAlgorithmName.SHA512, 64),
        new SigningAlgorithmInfo("ML_DSA_SHAKE_256", SignatureScheme.MlDsa, default, 64),
    }.ToDictionary(static a => a.Name, StringComparer.Ordinal);

    public static SigningAlgorithmInfo? Find(string name) => ByName.GetValueOrDefault(name);

    /// <summary>
    /// KMS: ED25519_SHA_512 signs RAW messages only, ED25519_PH_SHA_512 DIGEST only, ML_DSA_SHAKE_256 RAW
    /// or EXTERNAL_MU (64-byte mu, FIPS 204 §6.2); the others RAW or DIGEST.
    /// </summary>
    public bool Accepts(string messageType) => (Scheme, messageType) switch
    {
        (SignatureScheme.Ed25519, "RAW") => true,
        (SignatureScheme.Ed25519, _) => false,
        (SignatureScheme.Ed25519ph, "DIGEST") => true,
        (SignatureScheme.Ed25519ph, _) => false,
        (SignatureScheme.MlDsa, "RAW" or "EXTERNAL_MU") => true,
        (SignatureScheme.MlDsa, _) => false,
        (_, "RAW" or "DIGEST") => true,
        _ => false,
    };
}
