using KmsSignature.Core.Algorithms;

namespace KmsSignature.Core.Verification;

/// <summary>
/// A hint for a detached signature that fails with a key of one type but has exactly the length another key type makes:
/// the usual cause is the wrong key (a .sig made with an RSA key checked against the ECDSA one), not a damaged file.
/// </summary>
public static class WrongKeyHint
{
    // Lengths each key spec's signatures have as KMS and openssl make them: RSA the modulus size; ECDSA R||S or DER
    // (a SEQUENCE of two INTEGERs, each with an optional leading zero; rarely shorter, left out); Ed25519 and ML-DSA fixed (FIPS 204).
    private static readonly (KmsKeySpec Spec, int Min, int Max)[] Lengths =
    [
        (KmsKeySpec.Rsa2048, 256, 256),
        (KmsKeySpec.Rsa3072, 384, 384),
        (KmsKeySpec.Rsa4096, 512, 512),
        (KmsKeySpec.EccNistP256, 64, 64),
        (KmsKeySpec.EccNistP256, 70, 72),
        (KmsKeySpec.EccSecgP256K1, 64, 64),
        (KmsKeySpec.EccSecgP256K1, 70, 72),
        (KmsKeySpec.EccNistP384, 96, 96),
        (KmsKeySpec.EccNistP384, 102, 104),
        (KmsKeySpec.EccNistP521, 132, 132),
        (KmsKeySpec.EccNistP521, 137, 139),
        (KmsKeySpec.EccNistEdwards25519, 64, 64),
        (KmsKeySpec.MlDsa44, 2420, 2420),
        (KmsKeySpec.MlDsa65, 3309, 3309),
        (KmsKeySpec.MlDsa87, 4627, 4627),
    ];

    /// <summary>
    /// "; a 256-byte signature is what an RSA_2048 key makes: is this the right key?" to append to a failure reason, or
    /// empty when <paramref name="keySpec"/> itself makes such signatures, no key type does, or key types of different
    /// families do (64 bytes: P-256 R||S and Ed25519), so the length points at no one.
    /// </summary>
    public static string For(int signatureLength, KmsKeySpec keySpec)
    {
        // Without LINQ: this runs for every signature that fails, and bulk verification may see many.
        string? names = null;
        KeyFamily? family = null;
        foreach (var (spec, min, max) in Lengths)
        {
            if (signatureLength < min || signatureLength > max)
            {
                continue;
            }

            if (spec == keySpec || (family is { } seen && seen != spec.Family()))
            {
                return string.Empty;
            }

            family = spec.Family();
            names = names is null ? spec.ToKmsName() : $"{names} or {spec.ToKmsName()}";
        }

        return names is null ? string.Empty : $"; a {signatureLength}-byte signature is what an {names} key makes: is this the right key?";
    }
}
