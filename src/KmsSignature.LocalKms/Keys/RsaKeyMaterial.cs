using System.Security.Cryptography;

namespace KmsSignature.LocalKms.Keys;

internal sealed class RsaKeyMaterial : KeyMaterial
{
    private readonly byte[] _pkcs8;
    private readonly InstancePool<RSA> _pool;

    public RsaKeyMaterial(byte[] pkcs8)
    {
        _pkcs8 = pkcs8;
        _pool = new InstancePool<RSA>(Create);
        var first = Create();
        PublicKeySpki = first.ExportSubjectPublicKeyInfo();
        _pool.Return(first);
    }

    public override byte[] PublicKeySpki { get; }

    public static RsaKeyMaterial Generate(int bits)
    {
        using var rsa = RSA.Create(bits);
        return new RsaKeyMaterial(rsa.ExportPkcs8PrivateKey());
    }

    private RSA Create()
    {
        var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(_pkcs8, out _);
        return rsa;
    }

    public override byte[] Export() => _pkcs8;

    // KMS RSASSA-PSS uses MGF1 with the same hash and a salt as long as the hash; .NET's Pss padding does the same.
    private static RSASignaturePadding Padding(SigningAlgorithmInfo algorithm) =>
        algorithm.Scheme == SignatureScheme.RsaPss ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1;

    public override byte[] Sign(SigningAlgorithmInfo algorithm, byte[] message, bool isDigest)
    {
        var rsa = _pool.Rent();
        try
        {
            return isDigest
                ? rsa.SignHash(message, algorithm.Hash, Padding(algorithm))
                : rsa.SignData(message, algorithm.Hash, Padding(algorithm));
        }
        finally
        {
            _pool.Return(rsa);
        }
    }

    public override bool Verify(SigningAlgorithmInfo algorithm, byte[] message, bool isDigest, byte[] signature)
    {
        var rsa = _pool.Rent();
        try
        {
            return isDigest
                ? rsa.VerifyHash(message, signature, algorithm.Hash, Padding(algorithm))
                : rsa.VerifyData(message, signature, algorithm.Hash, Padding(algorithm));
        }
        catch (CryptographicException)
        {
            return false;
        }
        finally
        {
            _pool.Return(rsa);
        }
    }
}
