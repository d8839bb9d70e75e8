using System.Security.Cryptography;

namespace KmsSignature.LocalKms.Keys;

/// <summary>ECDSA on the NIST curves and secp256k1 (OpenSSL on Linux). Signatures are DER, as KMS returns them.</summary>
internal sealed class EcdsaKeyMaterial : KeyMaterial
{
    private readonly byte[] _pkcs8;
    private readonly InstancePool<ECDsa> _pool;

    public EcdsaKeyMaterial(byte[] pkcs8)
    {
        _pkcs8 = pkcs8;
        _pool = new InstancePool<ECDsa>(Create);
        var first = Create();
        PublicKeySpki = first.ExportSubjectPublicKeyInfo();
        _pool.Return(first);
    }

    public override byte[] PublicKeySpki { get; }

    public static EcdsaKeyMaterial Generate(string keySpec)
    {
        var curve = keySpec switch
        {
            "ECC_NIST_P256" => ECCurve.NamedCurves.nistP256,
            "ECC_NIST_P384" => ECCurve.NamedCurves.nistP384,
            "ECC_NIST_P521" => ECCurve.NamedCurves.nistP521,
            _ => ECCurve.CreateFromValue("1.3.132.0.10"), // secp256k1
        };
        using var ecdsa = ECDsa.Create(curve);
        return new EcdsaKeyMaterial(ecdsa.ExportPkcs8PrivateKey());
    }

    private ECDsa Create()
    {
        var ecdsa = ECDsa.Create();
        ecdsa.ImportPkcs8PrivateKey(_pkcs8, out _);
        return ecdsa;
    }

    public override byte[] Export() => _pkcs8;

    public override byte[] Sign(SigningAlgorithmInfo algorithm, byte[] message, bool isDigest)
    {
        var ecdsa = _pool.Rent();
        try
        {
            return isDigest
                ? ecdsa.SignHash(message, DSASignatureFormat.Rfc3279DerSequence)
                : ecdsa.SignData(message, algorithm.Hash, DSASignatureFormat.Rfc3279DerSequence);
        }
        finally
        {
            _pool.Return(ecdsa);
        }
    }

    public override bool Verify(SigningAlgorithmInfo algorithm, byte[] message, bool isDigest, byte[] signature)
    {
        var ecdsa = _pool.Rent();
        try
        {
            return isDigest
                ? ecdsa.VerifyHash(message, signature, DSASignatureFormat.Rfc3279DerSequence)
                : ecdsa.VerifyData(message, signature, algorithm.Hash, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;
        }
        finally
        {
            _pool.Return(ecdsa);
        }
    }
}
