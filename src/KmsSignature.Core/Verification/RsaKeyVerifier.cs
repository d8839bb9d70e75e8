using System.Security.Cryptography;
using KmsSignature.Core.Algorithms;
using KmsSignature.Core.Keys;

namespace KmsSignature.Core.Verification;

/// <summary>RSASSA-PKCS1-v1_5 and RSASSA-PSS (salt length = hash length, as KMS and JWS PS* use) via platform crypto.</summary>
internal sealed class RsaKeyVerifier : KeyVerifier
{
    private readonly InstancePool<RSA> pool;
    private readonly int modulusBytes;

    public RsaKeyVerifier(PublicKey key)
        : base(key)
    {
        var spki = key.Spki;
        try
        {
            pool = new InstancePool<RSA>(() =>
            {
                var rsa = RSA.Create();
                rsa.ImportSubjectPublicKeyInfo(spki.Span, out _);
                return rsa;
            });
        }
        catch (CryptographicException ex)
        {
            // What our own checks let through and the platform still refuses is a bad key, not a crash.
            throw new KmsSignatureException("InvalidPublicKey", ErrorKind.InvalidData,
                $"The {key.KeySpecName} public key{(key.KeyId is null ? "" : $" '{UntrustedText.Show(key.KeyId)}'")} cannot be used: {ex.Message}", key.KeyId ?? key.KeySpecName, ex);
        }

        modulusBytes = key.Material.A.Length;
    }

    public override bool Verify(SignatureAlgorithm algorithm, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != modulusBytes || !Fits(algorithm))
        {
            return false;
        }

        var rsa = pool.Rent();
        try
        {
            return rsa.VerifyData(message, signature, algorithm.Hash, Padding(algorithm));
        }
        finally
        {
            pool.Return(rsa);
        }
    }

    public override bool VerifyDigest(SignatureAlgorithm algorithm, ReadOnlySpan<byte> digest, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != modulusBytes || !Fits(algorithm) || digest.Length != algorithm.DigestLength)
        {
            return false;
        }

        var rsa = pool.Rent();
        try
        {
            return rsa.VerifyHash(digest, signature, algorithm.Hash, Padding(algorithm));
        }
        finally
        {
            pool.Return(rsa);
        }
    }

    private static RSASignaturePadding Padding(SignatureAlgorithm algorithm) =>
        algorithm.Scheme == SignatureScheme.RsaPss ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1;
}
