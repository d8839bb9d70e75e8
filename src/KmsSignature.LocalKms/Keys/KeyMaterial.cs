namespace KmsSignature.LocalKms.Keys;

/// <summary>
/// The key material of one KMS key. Implementations are safe for concurrent Sign/Verify calls:
/// the sign path never takes a global lock.
/// </summary>
internal abstract class KeyMaterial
{
    /// <summary>DER SubjectPublicKeyInfo as GetPublicKey returns it; empty for symmetric keys.</summary>
    public abstract byte[] PublicKeySpki { get; }

    /// <summary>The private material in a stable export form (PKCS#8, seed or raw bytes) for persistence.</summary>
    public abstract byte[] Export();

    /// <summary>Signs; <paramref name="isDigest"/> means <paramref name="message"/> is already the hash (or mu for ML-DSA).</summary>
    public abstract byte[] Sign(SigningAlgorithmInfo algorithm, byte[] message, bool isDigest);

    public abstract bool Verify(SigningAlgorithmInfo algorithm, byte[] message, bool isDigest, byte[] signature);

    public static KeyMaterial GenerateFor(string keySpec) => keySpec switch
    {
        "RSA_2048" => RsaKeyMaterial.Generate(2048),
        "RSA_3072" => RsaKeyMaterial.Generate(3072),
        "RSA_4096" => RsaKeyMaterial.Generate(4096),
        "ECC_NIST_P256" or "ECC_NIST_P384" or "ECC_NIST_P521" or "ECC_SECG_P256K1" => EcdsaKeyMaterial.Generate(keySpec),
        "ECC_NIST_EDWARDS25519" => Ed25519KeyMaterial.Generate(),
        "ML_DSA_44" or "ML_DSA_65" or "ML_DSA_87" => MlDsaKeyMaterial.Generate(keySpec),
        "SYMMETRIC_DEFAULT" => SymmetricKeyMaterial.Generate(32),
        "HMAC_224" => SymmetricKeyMaterial.Generate(28),
        "HMAC_256" => SymmetricKeyMaterial.Generate(32),
        "HMAC_384" => SymmetricKeyMaterial.Generate(48),
        "HMAC_512" => SymmetricKeyMaterial.Generate(64),
        _ => throw new ArgumentOutOfRangeException(nameof(keySpec), keySpec, "Unsupported key spec."),
    };

    public static KeyMaterial ImportFor(string keySpec, byte[] exported) => keySpec switch
    {
        "RSA_2048" or "RSA_3072" or "RSA_4096" => new RsaKeyMaterial(exported),
        "ECC_NIST_P256" or "ECC_NIST_P384" or "ECC_NIST_P521" or "ECC_SECG_P256K1" => new EcdsaKeyMaterial(exported),
        "ECC_NIST_EDWARDS25519" => new Ed25519KeyMaterial(exported),
        "ML_DSA_44" or "ML_DSA_65" or "ML_DSA_87" => new MlDsaKeyMaterial(keySpec, exported),
        _ => new SymmetricKeyMaterial(exported),
    };
}
