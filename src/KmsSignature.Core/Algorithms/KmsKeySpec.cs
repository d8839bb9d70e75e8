namespace KmsSignature.Core.Algorithms;

/// <summary>The KMS key specs that can sign (KeyUsage SIGN_VERIFY). SM2 is China-Regions only and out of scope.</summary>
public enum KmsKeySpec
{
    Rsa2048,
    Rsa3072,
    Rsa4096,
    EccNistP256,
    EccNistP384,
    EccNistP521,
    EccSecgP256K1,
    EccNistEdwards25519,
    MlDsa44,
    MlDsa65,
    MlDsa87,
}

/// <summary>The families a key spec belongs to; they decide encodings (PEM, JWK kty) and verifiers.</summary>
public enum KeyFamily
{
    Rsa,
    Ec,
    Ed25519,
    MlDsa,
}

public static class KmsKeySpecs
{
    private static readonly (KmsKeySpec Spec, string Name)[] Names =
    [
        (KmsKeySpec.Rsa2048, "RSA_2048"),
        (KmsKeySpec.Rsa3072, "RSA_3072"),
        (KmsKeySpec.Rsa4096, "RSA_4096"),
        (KmsKeySpec.EccNistP256, "ECC_NIST_P256"),
        (KmsKeySpec.EccNistP384, "ECC_NIST_P384"),
        (KmsKeySpec.EccNistP521, "ECC_NIST_P521"),
        (KmsKeySpec.EccSecgP256K1, "ECC_SECG_P256K1"),
        (KmsKeySpec.EccNistEdwards25519, "ECC_NIST_EDWARDS25519"),
        (KmsKeySpec.MlDsa44, "ML_DSA_44"),
        (KmsKeySpec.MlDsa65, "ML_DSA_65"),
        (KmsKeySpec.MlDsa87, "ML_DSA_87"),
    ];

    /// <summary>Every signing key spec's KMS name, in KMS documentation order (for tab completion and errors).</summary>
    public static IReadOnlyList<string> AllKmsNames { get; } = Names.Select(n => n.Name).ToArray();

    /// <summary>The KMS wire name, e.g. <c>ECC_NIST_P256</c>.</summary>
    public static string ToKmsName(this KmsKeySpec spec) => Names.First(n => n.Spec == spec).Name;

    /// <summary>Parses a KMS key spec name (case-insensitive); false for non-signing specs such as SYMMETRIC_DEFAULT.</summary>
    public static bool TryParse(string? kmsName, out KmsKeySpec spec)
    {
        foreach (var (candidate, name) in Names)
        {
            if (string.Equals(name, kmsName, StringComparison.OrdinalIgnoreCase))
            {
                spec = candidate;
                return true;
            }
        }

        spec = default;
        return false;
    }

    public static KmsKeySpec Parse(string kmsName) => TryParse(kmsName, out var spec)
        ? spec
        : throw new ArgumentException(
            $"'{kmsName}' is not a KMS signing key spec. Expected one of: {string.Join(", ", AllKmsNames)}.",
            nameof(kmsName));

    public static KeyFamily Family(this KmsKeySpec spec) => spec switch
    {
        KmsKeySpec.Rsa2048 or KmsKeySpec.Rsa3072 or KmsKeySpec.Rsa4096 => KeyFamily.Rsa,
        KmsKeySpec.EccNistEdwards25519 => KeyFamily.Ed25519,
        KmsKeySpec.MlDsa44 or KmsKeySpec.MlDsa65 or KmsKeySpec.MlDsa87 => KeyFamily.MlDsa,
        _ => KeyFamily.Ec,
    };

    /// <summary>Size in bytes of one ECDSA scalar (R or S) for the curve: the JWS R||S signature is twice this.</summary>
    public static int EcScalarSize(this KmsKeySpec spec) => spec switch
    {
        KmsKeySpec.EccNistP256 or KmsKeySpec.EccSecgP256K1 => 32,
        KmsKeySpec.EccNistP384 => 48,
        KmsKeySpec.EccNistP521 => 66,
        _ => throw new ArgumentOutOfRangeException(nameof(spec), spec, "Not an ECDSA key spec."),
    };
}
