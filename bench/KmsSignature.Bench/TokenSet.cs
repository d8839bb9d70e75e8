using System.Security.Cryptography;
using System.Text;
using KmsSignature.Core.Keys;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.X509;

namespace KmsSignature.Bench;

/// <summary>
/// One algorithm's key and a pool of distinct signed tokens (iss, aud, exp, sub), with the signing input and
/// signature bytes pre-split for the raw rows, so every row verifies the same inputs.
/// </summary>
internal sealed class TokenSet
{
    public const string Issuer = "https://issuer.bench";
    public const string Audience = "bench-api";

    private TokenSet(string alg, string kid, PublicKey key, string pem, string[] tokens, Func<byte[], byte[], bool> rawVerify, object platformKey)
    {
        Alg = alg;
        Kid = kid;
        Key = key;
        Pem = pem;
        Tokens = tokens;
        RawVerify = rawVerify;
        PlatformKey = platformKey;
        Inputs = tokens.Select(t => Encoding.ASCII.GetBytes(t[..t.LastIndexOf('.')])).ToArray();
        Signatures = tokens.Select(t => Base64UrlDecode(t[(t.LastIndexOf('.') + 1)..])).ToArray();
    }

    public string Alg { get; }

    public string Kid { get; }

    public PublicKey Key { get; }

    public string Pem { get; }

    public string[] Tokens { get; }

    public byte[][] Inputs { get; }

    public byte[][] Signatures { get; }

    /// <summary>The platform key (ECDsa, RSA) for Microsoft.IdentityModel; BouncyCastle parameters for Ed25519.</summary>
    public object PlatformKey { get; }

    /// <summary>The bare signature check (input, signature): the ceiling.</summary>
    public Func<byte[], byte[], bool> RawVerify { get; }

    public static TokenSet Create(string alg, int count)
    {
        var kid = alg.ToLowerInvariant();
        var header = B64(Encoding.UTF8.GetBytes($$"""{"alg":"{{alg}}","typ":"JWT","kid":"{{kid}}"}"""));
        var exp = DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeSeconds();
        string[] Sign(Func<byte[], byte[]> sign) => Enumerable.Range(0, count).Select(i =>
        {
            var payload = B64(Encoding.UTF8.GetBytes(
                $$"""{"iss":"{{Issuer}}","aud":"{{Audience}}","sub":"user-{{i}}","iat":{{exp - 86400}},"exp":{{exp}},"jti":"{{Guid.NewGuid():N}}"}"""));
            var input = header + "." + payload;
            return input + "." + B64(sign(Encoding.ASCII.GetBytes(input)));
        }).ToArray();

        switch (alg)
        {
            case "ES256":
            case "ES384":
            {
                var (curve, hash) = alg == "ES256" ? (ECCurve.NamedCurves.nistP256, HashAlgorithmName.SHA256) : (ECCurve.NamedCurves.nistP384, HashAlgorithmName.SHA384);
                using var signer = ECDsa.Create(curve);
                var verifier = ECDsa.Create();
                verifier.ImportSubjectPublicKeyInfo(signer.ExportSubjectPublicKeyInfo(), out _);
                var tokens = Sign(input => signer.SignData(input, hash));
                return new TokenSet(alg, kid, KeyFrom(signer.ExportSubjectPublicKeyInfo(), kid), signer.ExportSubjectPublicKeyInfoPem(), tokens,
                    (input, signature) => verifier.VerifyData(input, signature, hash), verifier);
            }

            case "RS256":
            case "PS256":
            {
                var padding = alg == "RS256" ? RSASignaturePadding.Pkcs1 : RSASignaturePadding.Pss;
                using var signer = RSA.Create(2048);
                var verifier = RSA.Create();
                verifier.ImportSubjectPublicKeyInfo(signer.ExportSubjectPublicKeyInfo(), out _);
                var tokens = Sign(input => signer.SignData(input, HashAlgorithmName.SHA256, padding));
                return new TokenSet(alg, kid, KeyFrom(signer.ExportSubjectPublicKeyInfo(), kid), signer.ExportSubjectPublicKeyInfoPem(), tokens,
                    (input, signature) => verifier.VerifyData(input, signature, HashAlgorithmName.SHA256, padding), verifier);
            }

            case "EdDSA":
            {
                var privateKey = new Ed25519PrivateKeyParameters(new Org.BouncyCastle.Security.SecureRandom());
                var publicKey = privateKey.GeneratePublicKey();
                var tokens = Sign(input =>
                {
                    var s = new Ed25519Signer();
                    s.Init(true, privateKey);
                    s.BlockUpdate(input, 0, input.Length);
                    return s.GenerateSignature();
                });
                var spki = SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(publicKey).GetDerEncoded();
                return new TokenSet(alg, kid, KeyFrom(spki, kid), PemEncoding.WriteString("PUBLIC KEY", spki), tokens, (input, signature) =>
                {
                    var v = new Ed25519Signer();
                    v.Init(false, publicKey);
                    v.BlockUpdate(input, 0, input.Length);
                    return v.VerifySignature(signature);
                }, publicKey);
            }

            default:
                throw new ArgumentException(alg);
        }
    }

    private static PublicKey KeyFrom(byte[] spki, string kid) => PublicKey.FromSpki(spki).WithMetadata(kid);

    public static string B64(byte[] data) => Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] Base64UrlDecode(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '='));
    }
}
