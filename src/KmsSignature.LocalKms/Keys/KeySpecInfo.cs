namespace KmsSignature.LocalKms.Keys;

/// <summary>A KMS KeySpec with the KeyUsages KMS allows for it and the algorithms it exposes.</summary>
internal sealed record KeySpecInfo(string Name, IReadOnlyList<string> Usages, IReadOnlyList<string> SigningAlgorithms, IReadOnlyList<string> EncryptionAlgorithms)
{
    public static readonly IReadOnlyList<string> AllNames =
    [
        "RSA_2048", "RSA_3072", "RSA_4096", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1",
        "SYMMETRIC_DEFAULT", "HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512", "SM2",
        "ML_DSA_44", "ML_DSA_65", "ML_DSA_87", "ECC_NIST_EDWARDS25519",
    ];

    public static readonly IReadOnlyList<string> AllUsages = ["SIGN_VERIFY", "ENCRYPT_DECRYPT", "GENERATE_VERIFY_MAC", "KEY_AGREEMENT"];

    // DescribeKey lists RSA algorithms in this order (PKCS#1 first, then PSS).
    private static readonly string[] RsaSigning =
    [
        "RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512",
        "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512",
    ];

    private static readonly string[] RsaEncryption = ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"];

    private static readonly Dictionary<string, KeySpecInfo> ByName = new[]
    {
        new KeySpecInfo("RSA_2048", ["ENCRYPT_DECRYPT", "SIGN_VERIFY"], RsaSigning, RsaEncryption),
        new KeySpecInfo("RSA_3072", ["ENCRYPT_DECRYPT", "SIGN_VERIFY"], RsaSigning, RsaEncryption),
        new KeySpecInfo("RSA_4096", ["ENCRYPT_DECRYPT", "SIGN_VERIFY"], RsaSigning, RsaEncryption),
        new KeySpecInfo("ECC_NIST_P256", ["SIGN_VERIFY", "KEY_AGREEMENT"], ["ECDSA_SHA_256"], []),
        new KeySpecInfo("ECC_NIST_P384", ["SIGN_VERIFY", "KEY_AGREEMENT"], ["ECDSA_SHA_384"], []),
        new KeySpecInfo("ECC_NIST_P521", ["SIGN_VERIFY", "KEY_AGREEMENT"], ["ECDSA_SHA_512"], []),
        new KeySpecInfo("ECC_SECG_P256K1", ["SIGN_VERIFY"], ["ECDSA_SHA_256"], []),
        new KeySpecInfo("ECC_NIST_EDWARDS25519", ["SIGN_VERIFY"], ["ED25519_SHA_512", "ED25519_PH_SHA_512"], []),
        new KeySpecInfo("ML_DSA_44", ["SIGN_VERIFY"], ["ML_DSA_SHAKE_256"], []),
        new KeySpecInfo("ML_DSA_65", ["SIGN_VERIFY"], ["ML_DSA_SHAKE_256"], []),
        new KeySpecInfo("ML_DSA_87", ["SIGN_VERIFY"], ["ML_DSA_SHAKE_256"], []),
        new KeySpecInfo("SYMMETRIC_DEFAULT", ["ENCRYPT_DECRYPT"], [], ["SYMMETRIC_DEFAULT"]),
        new KeySpecInfo("HMAC_224", ["GENERATE_VERIFY_MAC"], [], []),
        new KeySpecInfo("HMAC_256", ["GENERATE_VERIFY_MAC"], [], []),
        new KeySpecInfo("HMAC_384", ["GENERATE_VERIFY_MAC"], [], []),
        new KeySpecInfo("HMAC_512", ["GENERATE_VERIFY_MAC"], [], []),
    }.ToDictionary(static s => s.Name, StringComparer.Ordinal);

    public static KeySpecInfo? Find(string name) => ByName.GetValueOrDefault(name);

    public bool IsAsymmetric => Name.StartsWith("RSA_", StringComparison.Ordinal) || Name.StartsWith("ECC_", StringComparison.Ordinal) || Name.StartsWith("ML_DSA_", StringComparison.Ordinal);

    /// <summary>The deprecated CustomerMasterKeySpec KMS still returns (same name for the classic specs).</summary>
    public string CustomerMasterKeySpec => Name;

    public string MacAlgorithm => "HMAC_SHA_" + Name[5..];
}
