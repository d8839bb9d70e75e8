using System.Security.Cryptography;
using System.Text;
using KmsSignature.Core.Jose;
using KmsSignature.Core.Keys;
using KmsSignature.Core.Verification;

namespace KmsSignature.Core.Tests.Verification;

/// <summary>
/// A JWKS usually comes from the token issuer's URL: its kid, kty, crv, alg and use are the publisher's text, and errors and
/// reasons quote them. Control characters in them are shown as \uXXXX, as the token's own values are, so a hostile JWKS
/// cannot rewrite the terminal or forge a log line.
/// </summary>
public sealed class TrustStoreTextEscapingTests : IDisposable
{
    private const string Hostile = "x\u001b[2K\rValid";
    private const string Shown = "x\\u001B[2K\\u000DValid";
    private readonly ECDsa p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa other = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public void Dispose()
    {
        p256.Dispose();
        other.Dispose();
    }

    // The URL was quoted raw ahead of the advice, which escapes it.
    [Fact]
    public void A_trust_store_URL_is_shown_escaped()
    {
        var ex = Assert.Throws<KmsSignatureException>(() => TrustStore.RejectNonPath("https://example.com/" + Hostile));

        Assert.Equal("KmsSignature.TrustStoreIsUrl", ex.ErrorId);
        AssertEscaped(ex.Message);
    }

    [Fact]
    public void A_password_in_a_trust_store_URL_is_not_shown()
    {
        var ex = Assert.Throws<KmsSignatureException>(() => TrustStore.RejectNonPath("https://alice:s3cret@example.com/jwks.json"));

        Assert.Equal("KmsSignature.TrustStoreIsUrl", ex.ErrorId);
        Assert.DoesNotContain("s3cret", ex.Message);
        Assert.Contains("Invoke-WebRequest 'https://***@example.com/jwks.json' -OutFile jwks.json", ex.Message);
        Assert.Equal("https://***@example.com/jwks.json", ex.Target);
    }

    [Fact]
    public void A_kid_two_keys_share_is_shown_escaped()
    {
        var ex = Assert.Throws<KmsSignatureException>(() =>
            TrustStore.FromKeys([PublicKeys.Of(p256).WithMetadata(Hostile), PublicKeys.Of(other).WithMetadata(Hostile)]));

        Assert.Equal("KmsSignature.DuplicateKeyId", ex.ErrorId);
        AssertEscaped(ex.Message);
    }

    [Theory]
    [InlineData("""{"kty":"KTY","x":"AA"}""")]
    [InlineData("""{"kty":"EC","crv":"KTY","x":"AA","y":"AA"}""")]
    [InlineData("""{"kty":"OKP","crv":"KTY","x":"AA"}""")]
    [InlineData("""{"kty":"AKP","alg":"KTY","pub":"AA"}""")]
    [InlineData("""{"kty":"EC","KTY":1,"KTY":2}""")]
    public void A_JWK_member_an_error_quotes_is_shown_escaped(string jwk)
    {
        var ex = Assert.Throws<KmsSignatureException>(() => PublicKey.FromJwk(jwk.Replace("KTY", "x\\u001b[2K\\rValid")));

        AssertEscaped(ex.Message);
    }

    [Fact]
    public void A_JWK_alg_that_is_no_JOSE_alg_is_shown_escaped_in_the_reason()
    {
        // Not a JOSE alg at all: kept as the key's pin, which then fits no token.
        var verifier = new TokenVerifier(TrustStore.FromKeys([PublicKeys.Of(p256).WithMetadata("k1", algorithm: Hostile)]));

        var result = verifier.Verify(Es256("""{"alg":"ES256","kid":"k1"}"""));

        Assert.Equal(VerificationStatus.AlgorithmNotAllowed, result.Status);
        AssertEscaped(result.Reason);
    }

    [Fact]
    public void A_JWK_use_other_than_sig_is_shown_escaped_in_the_reason()
    {
        var verifier = new TokenVerifier(TrustStore.FromKeys([PublicKeys.Of(p256).WithMetadata("k1", use: Hostile)]));

        var result = verifier.Verify(Es256("""{"alg":"ES256","kid":"k1"}"""));

        Assert.Equal(VerificationStatus.UntrustedKey, result.Status);
        AssertEscaped(result.Reason);
    }

    private static void AssertEscaped(string text)
    {
        Assert.Contains(Shown, text);
        Assert.DoesNotContain('\u001b', text);
        Assert.DoesNotContain('\r', text);
    }

    private string Es256(string header)
    {
        var input = Base64Url.Encode(Encoding.UTF8.GetBytes(header)) + "." + Base64Url.Encode("""{"sub":"s"}"""u8.ToArray());
        return input + "." + Base64Url.Encode(p256.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256));
    }
}
