using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace KmsSignature.LocalKms.Keys;

/// <summary>ML-DSA (FIPS 204, pure, empty context) via BouncyCastle; the private key persists as its 32-byte seed. "Digest" here means an external mu.</summary>
internal sealed class MlDsaKeyMaterial : KeyMaterial
{
    private readonly MLDsaParameters _parameters;
    private readonly MLDsaPrivateKeyParameters _private;
    private readonly MLDsaPublicKeyParameters _public;

    public MlDsaKeyMaterial(string keySpec, byte[] seed)
    {
        _parameters = ParametersFor(keySpec);
        _private = MLDsaPrivateKeyParameters.FromSeed(_parameters, seed);
        _public = _private.GetPublicKey();
        PublicKeySpki = SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(_public).GetDerEncoded();
    }

    public override byte[] PublicKeySpki { get; }

    private static MLDsaParameters ParametersFor(string keySpec) => keySpec switch
    {
        "ML_DSA_44" => MLDsaParameters.ml_dsa_44,
        "ML_DSA_65" => MLDsaParameters.ml_dsa_65,
        _ => MLDsaParameters.ml_dsa_87,
    };

    public static MlDsaKeyMaterial Generate(string keySpec)
    {
        var generator = new MLDsaKeyPairGenerator();
        generator.Init(new MLDsaKeyGenerationParameters(new SecureRandom(), ParametersFor(keySpec)));
        var pair = generator.GenerateKeyPair();
        return new MlDsaKeyMaterial(keySpec, ((MLDsaPrivateKeyParameters)pair.Private).GetSeed());
    }

    public override byte[] Export() => _private.GetSeed();

    public override byte[] Sign(SigningAlgorithmInfo algorithm, byte[] message, bool isDigest)
    {
        if (isDigest)
        {
            return MlDsaExternalMu.IsAvailable ? MlDsaExternalMu.Sign(_parameters, _private, message) : throw new NotSupportedException("EXTERNAL_MU");
        }

        var signer = new MLDsaSigner(_parameters, deterministic: false);
        signer.Init(true, new ParametersWithRandom(_private, new SecureRandom()));
        signer.BlockUpdate(message, 0, message.Length);
        return signer.GenerateSignature();
    }

    public override bool Verify(SigningAlgorithmInfo algorithm, byte[] message, bool isDigest, byte[] signature)
    {
        if (isDigest)
        {
            return MlDsaExternalMu.IsAvailable ? MlDsaExternalMu.Verify(_parameters, _public, message, signature) : throw new NotSupportedException("EXTERNAL_MU");
        }

        var verifier = new MLDsaSigner(_parameters, deterministic: false);
        verifier.Init(false, _public);
        verifier.BlockUpdate(message, 0, message.Length);
        return verifier.VerifySignature(signature);
    }
}
