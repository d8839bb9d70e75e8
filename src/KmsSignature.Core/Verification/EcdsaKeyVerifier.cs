using System.Security.Cryptography;
using KmsSignature.Core.Algorithms;
using KmsSignature.Core.Keys;

namespace KmsSignature.Core.Verification;

/// <summary>ECDSA on P-256/P-384/P-521 and secp256k1 via platform crypto (OpenSSL on Linux has secp256k1).</summary>
internal sealed class EcdsaKeyVerifier : KeyVerifier
{
    private readonly InstancePool<ECDsa> pool;

    public EcdsaKeyVerifier(PublicKey key)
        : base(key)
    {
        var spki = key.Spki;
        ScalarSize = key.KeySpec.EcScalarSize();
        try
        {
            pool = new InstancePool<ECDsa>(() =>
            {
                var ecdsa = ECDsa.Create();
                ecdsa.ImportSubjectPublicKeyInfo(spki.Span, out _);
                return ecdsa;
            });
        }
        catch (Exception ex) when (ex is CryptographicException or PlatformNotSupportedException && key.KeySpec != KmsKeySpec.EccSecgP256K1)
        {
            // Every platform has the NIST curves, so a refusal means the point is not on the curve.
            throw new KmsSignatureException("InvalidPublicKey", ErrorKind.InvalidData,
                $"The {key.KeySpecName} public key{(key.KeyId is null ? "" : $" '{UntrustedText.Show(key.KeyId)}'")} is not a valid point on its curve: {ex.Message}", key.KeyId ?? key.KeySpecName, ex);
        }
        catch (Exception ex) when (ex is CryptographicException or PlatformNotSupportedException)
        {
            // secp256k1 depends on the platform's crypto library; say so instead of failing later.
            throw new KmsSignatureException("UnsupportedKeyType", ErrorKind.NotImplemented,
                $"This platform's cryptography cannot use {key.KeySpecName} keys, or this one is not a valid point on the curve: {ex.Message}", key.KeySpecName, ex);
        }
    }

    /// <summary>Bytes in R or S; the R||S signature is twice this.</summary>
    public int ScalarSize { get; }

    public override bool Verify(SignatureAlgorithm algorithm, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != 2 * ScalarSize || !Fits(algorithm))
        {
            return false;
        }

        var ecdsa = pool.Rent();
        try
        {
            return ecdsa.VerifyData(message, signature, algorithm.Hash);
        }
        finally
        {
            pool.Return(ecdsa);
        }
    }

    public override bool VerifyDigest(SignatureAlgorithm algorithm, ReadOnlySpan<byte> digest, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != 2 * ScalarSize || !Fits(algorithm) || digest.Length != algorithm.DigestLength)
        {
            return false;
        }

        var ecdsa = pool.Rent();
        try
        {
            return ecdsa.VerifyHash(digest, signature);
        }
        finally
        {
            pool.Return(ecdsa);
        }
    }
}
