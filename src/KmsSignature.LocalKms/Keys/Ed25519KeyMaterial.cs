using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math.EC.Rfc8032;
using Org.BouncyCastle.X509;

namespace KmsSignature.LocalKms.Keys;

/// <summary>
/// Ed25519 (RFC 8032) via BouncyCastle: ED25519_SHA_512 is PureEdDSA over the raw message,
/// ED25519_PH_SHA_512 is Ed25519ph (empty context) over a 64-byte SHA-512 digest.
/// </summary>
internal sealed class Ed25519KeyMaterial : KeyMaterial
{
    private static readonly byte[] EmptyContext = [];
    private readonly byte[] _seed;
    private readonly Ed25519PrivateKeyParameters _private;
    private readonly Ed25519PublicKeyParameters _public;

    public Ed25519KeyMaterial(byte[] seed)
    {
        _seed = seed;
        _private = new Ed25519PrivateKeyParameters(seed);
        _public = _private.GeneratePublicKey();
        PublicKeySpki = SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(_public).GetDerEncoded();
    }

    public override byte[] PublicKeySpki { get; }

    public static Ed25519KeyMaterial Generate() => new(RandomNumberGenerator.GetBytes(Ed25519PrivateKeyParameters.KeySize));

    public override byte[] Export() => _seed;

    public override byte[] Sign(SigningAlgorithmInfo algorithm, byte[] message, bool isDigest)
    {
        var signature = new byte[Ed25519PrivateKeyParameters.SignatureSize];
        if (algorithm.Scheme == SignatureScheme.Ed25519ph)
        {
            _private.Sign(Ed25519.Algorithm.Ed25519ph, EmptyContext, message, 0, message.Length, signature, 0);
        }
        else
        {
            _private.Sign(Ed25519.Algorithm.Ed25519, null, message, 0, message.Length, signature, 0);
        }

        return signature;
    }

    public override bool Verify(SigningAlgorithmInfo algorithm, byte[] message, bool isDigest, byte[] signature)
    {
        if (signature.Length != Ed25519PrivateKeyParameters.SignatureSize)
        {
            return false;
        }

        return algorithm.Scheme == SignatureScheme.Ed25519ph
            ? _public.Verify(Ed25519.Algorithm.Ed25519ph, EmptyContext, message, 0, message.Length, signature, 0)
            : _public.Verify(Ed25519.Algorithm.Ed25519, null, message, 0, message.Length, signature, 0);
    }
}
