using KmsSignature.Core.Algorithms;
using KmsSignature.Core.Keys;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace KmsSignature.Core.Verification;

/// <summary>
/// Pure ML-DSA (FIPS 204, empty context; KMS ML_DSA_SHAKE_256 with MessageType RAW) through BouncyCastle.
/// The signer is stateful, so one is made per call; the decoded public key is shared (immutable).
/// </summary>
internal sealed class MlDsaKeyVerifier : KeyVerifier
{
    private readonly MLDsaParameters parameters;
    private readonly MLDsaPublicKeyParameters publicKey;

    public MlDsaKeyVerifier(PublicKey key)
        : base(key)
    {
        parameters = key.KeySpec switch
        {
            KmsKeySpec.MlDsa44 => MLDsaParameters.ml_dsa_44,
            KmsKeySpec.MlDsa65 => MLDsaParameters.ml_dsa_65,
            _ => MLDsaParameters.ml_dsa_87,
        };
        publicKey = MLDsaPublicKeyParameters.FromEncoding(parameters, key.Material.A);
    }

    public override bool Verify(SignatureAlgorithm algorithm, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (algorithm != SignatureAlgorithm.MlDsaShake256)
        {
            return false;
        }

        var signer = new MLDsaSigner(parameters, deterministic: true);
        signer.Init(false, publicKey);
        signer.BlockUpdate(message); // absorbed where it is, not copied
        return signer.VerifySignature(signature.ToArray());
    }

    // KMS's EXTERNAL_MU message type is not a DIGEST of a standard hash; not offered offline.
    public override bool VerifyDigest(SignatureAlgorithm algorithm, ReadOnlySpan<byte> digest, ReadOnlySpan<byte> signature) => false;
}
