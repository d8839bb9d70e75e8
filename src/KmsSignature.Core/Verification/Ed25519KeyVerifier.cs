using System.Security.Cryptography;
using KmsSignature.Core.Algorithms;
using KmsSignature.Core.Keys;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace KmsSignature.Core.Verification;

/// <summary>
/// Ed25519 (RFC 8032 pure, KMS ED25519_SHA_512) and Ed25519ph (HashEdDSA over SHA-512, empty context,
/// KMS ED25519_PH_SHA_512) through BouncyCastle: net8.0 has neither. The parameters object is immutable.
/// </summary>
internal sealed class Ed25519KeyVerifier : KeyVerifier
{
    private static readonly byte[] EmptyContext = [];
    private readonly Ed25519PublicKeyParameters publicKey;

    public Ed25519KeyVerifier(PublicKey key)
        : base(key)
    {
        publicKey = new Ed25519PublicKeyParameters(key.Material.A);
    }

    public override bool Verify(SignatureAlgorithm algorithm, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != Ed25519.SignatureSize)
        {
            return false;
        }

        if (algorithm == SignatureAlgorithm.Ed25519Sha512)
        {
            // The span overload reads the message where it is: no copy of a large message per call or per key.
            return publicKey.Verify(Ed25519.Algorithm.Ed25519, null, message, signature);
        }

        return algorithm == SignatureAlgorithm.Ed25519PhSha512
               && VerifyDigest(algorithm, SHA512.HashData(message), signature);
    }

    public override bool VerifyDigest(SignatureAlgorithm algorithm, ReadOnlySpan<byte> digest, ReadOnlySpan<byte> signature)
    {
        if (algorithm != SignatureAlgorithm.Ed25519PhSha512 || digest.Length != Ed25519.PrehashSize
            || signature.Length != Ed25519.SignatureSize)
        {
            return false;
        }

        return publicKey.Verify(Ed25519.Algorithm.Ed25519ph, EmptyContext, digest, signature);
    }
}
