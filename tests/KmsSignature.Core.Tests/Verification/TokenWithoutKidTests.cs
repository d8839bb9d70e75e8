using System.Security.Cryptography;
using System.Text;
using KmsSignature.Core.Algorithms;
using KmsSignature.Core.Jose;
using KmsSignature.Core.Keys;
using KmsSignature.Core.Verification;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using BcEd25519 = Org.BouncyCastle.Math.EC.Rfc8032.Ed25519;

namespace KmsSignature.Core.Tests.Verification;

/// <summary>
/// A token without kid (or whose kid names no key) is checked against every kid-less key that fits its alg: the right
/// key answers whatever the key types around it, and the signing input is hashed once for all of them, not per key.
/// </summary>
public sealed class TokenWithoutKidTests : IDisposable
{
    private readonly RSA rsa = RSA.Create(2048);
    private readonly RSA otherRsa = RSA.Create(2048);
    private readonly ECDsa ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa otherEc = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly Ed25519PrivateKeyParameters ed = new(new SecureRandom());
    private readonly Ed25519PrivateKeyParameters otherEd = new(new SecureRandom());

    public void Dispose()
    {
        rsa.Dispose();
        otherRsa.Dispose();
        ec.Dispose();
        otherEc.Dispose();
    }

    private TrustStore MixedStore() => TrustStore.FromKeys([PublicKeys.Of(otherRsa), PublicKeys.Of(ec), PublicKeys.Of(otherEd), PublicKeys.Of(rsa), PublicKeys.Of(otherEc), PublicKeys.Of(ed)]);

    private static string Input(string alg, string? kid = null) =>
        Base64Url.Encode(Encoding.UTF8.GetBytes(kid is null ? $$"""{"alg":"{{alg}}"}""" : $$"""{"alg":"{{alg}}","kid":"{{kid}}"}"""))
        + "." + Base64Url.Encode("""{"sub":"s"}"""u8.ToArray());

    private static string Rsa(RSA key, string alg, RSASignaturePadding padding, string? kid = null)
    {
        var input = Input(alg, kid);
        return input + "." + Base64Url.Encode(key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, padding));
    }

    private static string Es256(ECDsa key, string? kid = null)
    {
        var input = Input("ES256", kid);
        return input + "." + Base64Url.Encode(key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256));
    }

    private static string EdDsa(Ed25519PrivateKeyParameters key, string? kid = null)
    {
        var input = Input("EdDSA", kid);
        var data = Encoding.ASCII.GetBytes(input);
        var signature = new byte[BcEd25519.SignatureSize];
        key.Sign(BcEd25519.Algorithm.Ed25519, null, data, 0, data.Length, signature, 0);
        return input + "." + Base64Url.Encode(signature);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("names-no-key")]
    public void The_key_that_signed_verifies_among_keys_of_every_type(string? kid)
    {
        var verifier = new TokenVerifier(MixedStore());

        var rs256 = verifier.Verify(Rsa(rsa, "RS256", RSASignaturePadding.Pkcs1, kid));
        var ps256 = verifier.Verify(Rsa(rsa, "PS256", RSASignaturePadding.Pss, kid));
        var es256 = verifier.Verify(Es256(ec, kid));
        var edDsa = verifier.Verify(EdDsa(ed, kid));

        Assert.Equal(VerificationStatus.Valid, rs256.Status);
        Assert.Equal(PublicKeys.Of(rsa), rs256.Key);
        Assert.Equal(VerificationStatus.Valid, ps256.Status);
        Assert.Equal(PublicKeys.Of(rsa), ps256.Key);
        Assert.Equal(VerificationStatus.Valid, es256.Status);
        Assert.Equal(PublicKeys.Of(ec), es256.Key);
        Assert.Equal(VerificationStatus.Valid, edDsa.Status);
        Assert.Equal(PublicKeys.Of(ed), edDsa.Key);
    }

    [Fact]
    public void A_signature_no_key_made_is_invalid_for_every_type()
    {
        var verifier = new TokenVerifier(TrustStore.FromKeys([PublicKeys.Of(otherRsa), PublicKeys.Of(ec), PublicKeys.Of(otherEd), PublicKeys.Of(rsa), PublicKeys.Of(otherEc)]));
        using var stranger = RSA.Create(2048);
        using var strangerEc = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var results = new[]
        {
            verifier.Verify(Rsa(stranger, "RS256", RSASignaturePadding.Pkcs1)),
            verifier.Verify(Es256(strangerEc)),
            verifier.Verify(EdDsa(ed)),
        };

        Assert.All(results, result => Assert.Equal(VerificationStatus.InvalidSignature, result.Status));
        Assert.Equal("the RS256 signature does not verify with the key", results[0].Reason);
        Assert.Equal("the ES256 signature does not verify with the key", results[1].Reason);
        Assert.Equal("the EdDSA signature does not verify with the key", results[2].Reason);
        Assert.Equal(PublicKeys.Of(otherEc), results[1].Key); // the last candidate tried
    }

    [Fact]
    public void A_PS256_signature_under_an_RS256_header_is_invalid_and_the_reverse_too()
    {
        var verifier = new TokenVerifier(MixedStore());
        var pss = Rsa(rsa, "PS256", RSASignaturePadding.Pss).Split('.')[2];
        var pkcs1 = Rsa(rsa, "RS256", RSASignaturePadding.Pkcs1).Split('.')[2];

        var rs256WithPss = verifier.Verify(Input("RS256") + "." + pss);
        var ps256WithPkcs1 = verifier.Verify(Input("PS256") + "." + pkcs1);

        Assert.Equal(VerificationStatus.InvalidSignature, rs256WithPss.Status);
        Assert.Equal(VerificationStatus.InvalidSignature, ps256WithPkcs1.Status);
    }

    [Fact]
    public void A_DER_signature_is_read_for_each_EC_candidate_with_AllowDerSignature()
    {
        var verifier = new TokenVerifier(MixedStore(), new TokenValidationOptions { AllowDerSignature = true });
        var input = Input("ES256");
        var der = ec.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

        var result = verifier.Verify(input + "." + Base64Url.Encode(der));

        Assert.Equal(VerificationStatus.Valid, result.Status);
        Assert.True(result.DerSignature);
        Assert.Equal(PublicKeys.Of(ec), result.Key);
    }

    [Fact]
    public void Candidate_keys_get_the_digest_hashed_once_not_the_message()
    {
        using var third = RSA.Create(2048);
        using var stranger = RSA.Create(2048);
        var counting = new[] { PublicKeys.Of(otherRsa), PublicKeys.Of(third), PublicKeys.Of(rsa) }.Select(k => new CountingKeyVerifier(KeyVerifier.Create(k))).ToArray();
        var verifier = new TokenVerifier(new TrustStore(counting, "test"));

        var valid = verifier.Verify(Rsa(rsa, "RS256", RSASignaturePadding.Pkcs1));
        var invalid = verifier.Verify(Rsa(stranger, "RS256", RSASignaturePadding.Pkcs1));

        Assert.Equal(VerificationStatus.Valid, valid.Status);
        Assert.Equal(VerificationStatus.InvalidSignature, invalid.Status);
        Assert.Equal(0, counting.Sum(c => c.MessageCalls));
        Assert.Equal(6, counting.Sum(c => c.DigestCalls));
        Assert.All(counting, c => Assert.All(c.DigestLengths, length => Assert.Equal(32, length)));
    }
}
