using System.Text;
using KmsSignature.Core.Jose;
using KmsSignature.Core.Verification;

namespace KmsSignature.Core.Tests.Verification;

/// <summary>Issue 3 §5: every bad token gets a precise status, no exception, no hang.</summary>
public sealed class TokenBadInputTests
{
    private static readonly TokenVerifier Verifier = new(TrustStore.Load(Fixtures.PathOf("keys")));
    private static readonly string Good = Fixtures.Token("es256-p256.jwt");

    private static VerificationResult Check(string token) => Verifier.Verify(token);

    private static string B64(string json) => Base64Url.Encode(Encoding.UTF8.GetBytes(json));

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("abc", "1 segment")]
    [InlineData("eyJhbGciOiJFUzI1NiJ9.e30", "2 segments")]
    [InlineData("a.b.c.d", "4 segments")]
    [InlineData("a.b.c.d.e", "JWE")]
    public void Wrong_segment_count_is_malformed(string token, string reason)
    {
        var result = Check(token);

        Assert.Equal(VerificationStatus.Malformed, result.Status);
        Assert.Contains(reason, result.Reason);
    }

    [Theory]
    [InlineData(" ")]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\t  \r\n")]
    public void Whitespace_and_newlines_around_a_token_are_ignored(string around) =>
        Assert.True(Check(around + Good + around).IsValid);

    [Fact]
    public void Non_base64url_bytes_are_malformed()
    {
        var parts = Good.Split('.');
        Assert.Equal(VerificationStatus.Malformed, Check($"{parts[0]}=.{parts[1]}.{parts[2]}").Status);
        Assert.Equal(VerificationStatus.Malformed, Check($"{parts[0]}.{parts[1]}.{parts[2]}+").Status);
        Assert.Equal(VerificationStatus.Malformed, Check($"{parts[0]}.{parts[1]}.{parts[2].Replace('-', '+').Replace('_', '/')}x/+").Status);
        Assert.Equal(VerificationStatus.Malformed, Check($"{parts[0][..^1]}é.{parts[1]}.{parts[2]}").Status);
        Assert.Equal(VerificationStatus.Malformed, Check($"{parts[0]}.{parts[1]}.{parts[2]}==").Status);
        // Padding and non-alphabet bytes in the payload are caught too (after the signature fails to match).
        Assert.Equal(VerificationStatus.InvalidSignature, Check($"{parts[0]}.{parts[1]}=.{parts[2]}").Status);
    }

    [Theory]
    [InlineData("[\"alg\",\"ES256\"]")]
    [InlineData("\"ES256\"")]
    [InlineData("{\"alg\":\"ES256\"")]
    [InlineData("{\"alg\":\"ES256\"}{}")]
    [InlineData("{\"alg\":\"ES256\",\"alg\":\"none\"}")]
    [InlineData("{\"alg\":256}")]
    [InlineData("{\"kid\":\"p256\"}")]
    [InlineData("not json")]
    public void Header_that_is_not_a_json_object_with_alg_is_malformed(string header)
    {
        var parts = Good.Split('.');
        Assert.Equal(VerificationStatus.Malformed, Check($"{B64(header)}.{parts[1]}.{parts[2]}").Status);
    }

    [Fact]
    public void One_megabyte_header_is_malformed_quickly()
    {
        var parts = Good.Split('.');
        var huge = B64("{\"alg\":\"ES256\",\"pad\":\"" + new string('a', 1024 * 1024) + "\"}");
        var started = System.Diagnostics.Stopwatch.StartNew();

        var result = Check($"{huge}.{parts[1]}.{parts[2]}");

        Assert.Equal(VerificationStatus.Malformed, result.Status);
        Assert.Contains("longer than", result.Reason);
        Assert.True(started.ElapsedMilliseconds < 1000, "a size check, not a decode");
    }

    [Fact]
    public void Deeply_nested_header_is_malformed()
    {
        var parts = Good.Split('.');
        var nested = "{\"alg\":\"ES256\",\"x\":" + new string('[', 200) + new string(']', 200) + "}";

        Assert.Equal(VerificationStatus.Malformed, Check($"{B64(nested)}.{parts[1]}.{parts[2]}").Status);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("None")]
    [InlineData("NONE")]
    [InlineData("HS256")]
    [InlineData("HS512")]
    public void Forbidden_algs_are_never_allowed_even_when_listed(string alg)
    {
        var parts = Good.Split('.');
        var lenient = new TokenVerifier(TrustStore.Load(Fixtures.PathOf("keys")),
            new TokenValidationOptions { AllowedAlgorithms = [.. Core.Algorithms.JwsAlgorithm.All] });

        var result = lenient.Verify($"{B64($"{{\"alg\":\"{alg}\",\"kid\":\"p256\"}}")}.{parts[1]}.");

        Assert.Equal(VerificationStatus.AlgorithmNotAllowed, result.Status);
        Assert.Contains("never", result.Reason);
    }

    [Fact]
    public void Hs256_signed_with_the_public_key_bytes_is_refused()
    {
        Assert.Equal(VerificationStatus.AlgorithmNotAllowed, Check(Fixtures.Token("hs256-rsa-public-key.jwt")).Status);
        Assert.Equal(VerificationStatus.AlgorithmNotAllowed, Check(Fixtures.Token("hs256-p256-public-key.jwt")).Status);
    }

    [Fact]
    public void Alg_that_does_not_fit_the_key_is_refused_before_the_crypto()
    {
        var result = Check(Fixtures.Token("rs256-header-on-p256.jwt"));

        Assert.Equal(VerificationStatus.AlgorithmNotAllowed, result.Status);
        Assert.Contains("ECC_NIST_P256", result.Reason);
    }

    [Fact]
    public void Alg_outside_the_allow_list_is_refused()
    {
        var verifier = new TokenVerifier(TrustStore.Load(Fixtures.PathOf("keys")),
            new TokenValidationOptions { AllowedAlgorithms = [Core.Algorithms.JwsAlgorithm.RS256] });

        Assert.Equal(VerificationStatus.AlgorithmNotAllowed, verifier.Verify(Good).Status);
        Assert.True(verifier.Verify(Fixtures.Token("rs256-rsa2048.jwt")).IsValid);
    }

    [Fact]
    public void Unknown_alg_and_unknown_kid_are_refused()
    {
        var parts = Good.Split('.');
        Assert.Equal(VerificationStatus.AlgorithmNotAllowed, Check($"{B64("{\"alg\":\"ES999\",\"kid\":\"p256\"}")}.{parts[1]}.{parts[2]}").Status);

        var unknown = Check(Fixtures.Token("es256-unknown-kid.jwt"));
        Assert.Equal(VerificationStatus.UntrustedKey, unknown.Status);
        Assert.Contains("nobody-knows-me", unknown.Reason);
        Assert.Null(unknown.Key);
    }

    [Fact]
    public void Crit_is_rejected()
    {
        var result = Check(Fixtures.Token("es256-crit.jwt"));

        Assert.Equal(VerificationStatus.UnsupportedCriticalHeader, result.Status);
        Assert.Contains("4.1.11", result.Reason);
    }

    [Fact]
    public void Rs_signature_of_the_wrong_length_is_invalid()
    {
        var parts = Good.Split('.');
        var sig = Base64Url.Decode(parts[2]);

        Assert.Equal(VerificationStatus.InvalidSignature, Check($"{parts[0]}.{parts[1]}.{Base64Url.Encode(sig[..^1])}").Status);
        Assert.Equal(VerificationStatus.InvalidSignature, Check($"{parts[0]}.{parts[1]}.{Base64Url.Encode([.. sig, 0])}").Status);
        Assert.Equal(VerificationStatus.InvalidSignature, Check($"{parts[0]}.{parts[1]}.").Status);
    }

    [Fact]
    public void Truncated_der_and_der_with_trailing_bytes_are_invalid_even_when_der_is_allowed()
    {
        var lenient = new TokenVerifier(TrustStore.Load(Fixtures.PathOf("keys")), new TokenValidationOptions { AllowDerSignature = true });
        var parts = Fixtures.Token("es256-der-signature.jwt").Split('.');
        var der = Base64Url.Decode(parts[2]);

        Assert.Equal(VerificationStatus.InvalidSignature, lenient.Verify($"{parts[0]}.{parts[1]}.{Base64Url.Encode(der[..^4])}").Status);
        Assert.Equal(VerificationStatus.InvalidSignature, lenient.Verify($"{parts[0]}.{parts[1]}.{Base64Url.Encode([.. der, 0])}").Status);
    }

    [Fact]
    public void Claims_of_the_wrong_type_are_malformed()
    {
        // Needs a signed token: the claims check only runs on authentic tokens, so build one the verifier accepts
        // with a JWS over a payload whose exp is a string is not possible without a private key; use the parser directly.
        Assert.False(JwtClaims.TryParse("{\"exp\":\"tomorrow\"}"u8, out _, out var error));
        Assert.Contains("NumericDate", error);
        Assert.False(JwtClaims.TryParse("{\"aud\":[1,2]}"u8, out _, out error));
        Assert.Contains("aud", error);
        Assert.False(JwtClaims.TryParse("{\"iss\":{}}"u8, out _, out error));
        Assert.False(JwtClaims.TryParse("not json"u8, out var none, out error));
        Assert.Null(none);
        Assert.Null(error);
    }
}
