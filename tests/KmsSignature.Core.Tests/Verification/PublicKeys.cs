using System.Security.Cryptography;
using KmsSignature.Core.Jose;
using KmsSignature.Core.Keys;
using Org.BouncyCastle.Crypto.Parameters;

namespace KmsSignature.Core.Tests.Verification;

/// <summary>The public half of a key made in a test, as the module reads it (SPKI; Ed25519 as a JWK, as BouncyCastle keys have no SPKI export here).</summary>
internal static class PublicKeys
{
    public static PublicKey Of(AsymmetricAlgorithm key) => PublicKey.FromSpki(key.ExportSubjectPublicKeyInfo());

    public static PublicKey Of(Ed25519PrivateKeyParameters key) =>
        PublicKey.FromJwk($$"""{"kty":"OKP","crv":"Ed25519","x":"{{Base64Url.Encode(key.GeneratePublicKey().GetEncoded())}}"}""");
}
