using System.Security.Cryptography;
using System.Text;
using KmsSignature.Core.Jose;
using KmsSignature.Core.Verification;

namespace KmsSignature.Core.Tests.Verification;

/// <summary>iss/aud expectations, exp/nbf with clock skew (default 60 s), and verification at a given time.</summary>
public sealed class TokenClaimsTests
{
    private static readonly TrustStore Store = TrustStore.Load(Fixtures.PathOf("keys"));

    private static VerificationResult Check(string file, TokenValidationOptions options) =>
        new TokenVerifier(Store, options).Verify(Fixtures.Token(file));

    [Fact]
    public void Default_clock_skew_is_60_seconds() =>
        Assert.Equal(TimeSpan.FromSeconds(60), new TokenValidationOptions().ClockSkew);

    [Fact]
    public void Expired_token_is_valid_before_exp_and_within_the_skew()
    {
        // es256-expired: nbf 1700000000, exp 1700003600.
        var exp = DateTimeOffset.FromUnixTimeSeconds(1700003600);

        Assert.True(Check("es256-expired.jwt", new() { At = exp.AddSeconds(-1) }).IsValid);
        Assert.True(Check("es256-expired.jwt", new() { At = exp.AddSeconds(59) }).IsValid);
        Assert.Equal(VerificationStatus.Expired, Check("es256-expired.jwt", new() { At = exp.AddSeconds(60) }).Status);
        Assert.Equal(VerificationStatus.Expired, Check("es256-expired.jwt", new() { At = exp, ClockSkew = TimeSpan.Zero }).Status);
        var result = Check("es256-expired.jwt", new());
        Assert.Equal(VerificationStatus.Expired, result.Status);
        Assert.Equal(exp, result.ExpiresAt);
    }

    [Fact]
    public void Not_yet_valid_token_becomes_valid_at_nbf_minus_skew()
    {
        var nbf = DateTimeOffset.FromUnixTimeSeconds(4000000000);

        Assert.Equal(VerificationStatus.NotYetValid, Check("es256-not-yet-valid.jwt", new()).Status);
        Assert.Equal(VerificationStatus.NotYetValid, Check("es256-not-yet-valid.jwt", new() { At = nbf.AddSeconds(-61) }).Status);
        Assert.True(Check("es256-not-yet-valid.jwt", new() { At = nbf.AddSeconds(-60) }).IsValid);
        Assert.True(Check("es256-not-yet-valid.jwt", new() { At = nbf, ClockSkew = TimeSpan.Zero }).IsValid);
    }

    // RFC 7519 §4.1.5: the current time MUST be after or equal to nbf. Kept to the second, a fractional nbf is rounded
    // up (a floored one let the token in up to a second early, which jose refuses), and a fractional exp down.
    [Theory]
    [InlineData(0.5)]
    [InlineData(0.0001)]
    [InlineData(0.9999)]
    public void Fractional_nbf_and_exp_never_widen_the_validity_window(double fraction)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var store = TrustStore.FromKeys([Core.Keys.PublicKey.FromSpki(key.ExportSubjectPublicKeyInfo(), "k")]);
        string Signed(string claims)
        {
            var input = Base64Url.Encode("{\"alg\":\"ES256\"}"u8) + "." + Base64Url.Encode(Encoding.UTF8.GetBytes(claims));
            return input + "." + Base64Url.Encode(key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256));
        }

        VerificationResult At(string token, long seconds) =>
            new TokenVerifier(store, new() { At = DateTimeOffset.FromUnixTimeSeconds(seconds), ClockSkew = TimeSpan.Zero }).Verify(token);

        var f = fraction.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture)[1..];
        var nbf = Signed($"{{\"nbf\":1700000000{f}}}");
        var exp = Signed($"{{\"exp\":1700000000{f}}}");

        Assert.Equal(VerificationStatus.NotYetValid, At(nbf, 1700000000).Status);
        Assert.True(At(nbf, 1700000001).IsValid);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700000001), At(nbf, 1700000001).JwtClaims!.NotBefore);
        Assert.True(At(exp, 1699999999).IsValid);
        Assert.Equal(VerificationStatus.Expired, At(exp, 1700000000).Status);
    }

    [Theory]
    [InlineData("es256-p256.jwt")]
    [InlineData("es256-aud-string.jwt")]
    public void Audience_as_string_or_array_matches_any_expected(string file)
    {
        Assert.True(Check(file, new() { Audiences = ["kms-signature-tests"] }).IsValid);
        Assert.True(Check(file, new() { Audiences = ["nope", "kms-signature-tests"] }).IsValid);
        var mismatch = Check(file, new() { Audiences = ["someone-else"] });
        Assert.Equal(VerificationStatus.ClaimMismatch, mismatch.Status);
        Assert.Contains("aud", mismatch.Reason);
    }

    [Fact]
    public void Issuer_must_match_exactly()
    {
        Assert.True(Check("es256-p256.jwt", new() { Issuers = ["https://issuer.example"] }).IsValid);
        Assert.Equal(VerificationStatus.ClaimMismatch, Check("es256-p256.jwt", new() { Issuers = ["https://issuer.example/"] }).Status);
        Assert.Equal(VerificationStatus.ClaimMismatch, Check("es256-p256.jwt", new() { Issuers = ["HTTPS://ISSUER.EXAMPLE"] }).Status);
    }

    [Fact]
    public void Claims_are_checked_only_after_the_signature()
    {
        var tampered = Tamper.Payload(Fixtures.Token("es256-expired.jwt"));

        Assert.Equal(VerificationStatus.InvalidSignature, new TokenVerifier(Store).Verify(tampered).Status);
    }

    [Fact]
    public void Escaped_claim_names_are_the_registered_claims()
    {
        var json = Encoding.UTF8.GetBytes("""{"\u0069ss":"x","\u0065\u0078\u0070":"soon"}""");

        Assert.False(KmsSignature.Core.Jose.JwtClaims.TryParse(json, out _, out var error));
        Assert.Equal("the exp claim is not a NumericDate (seconds since 1970 as a JSON number)", error);
        Assert.True(KmsSignature.Core.Jose.JwtClaims.TryParse(Encoding.UTF8.GetBytes("""{"\u0069\u0073\u0073":"x"}"""), out var claims, out _));
        Assert.Equal("x", claims!.Issuer);
    }

    [Theory]
    [InlineData("""{"aud":"\u00e4ud"}""")]
    [InlineData("""{"aud":["x","äud"]}""")]
    public void Expected_values_match_non_ascii_claims_escaped_or_not(string json)
    {
        var audiences = KmsSignature.Core.Jose.JwtClaims.EncodeExpected(["äud"]);

        KmsSignature.Core.Jose.JwtClaims.TryCheck(Encoding.UTF8.GetBytes(json), null, audiences, out var check, out var error);

        Assert.Null(error);
        Assert.True(check.AudienceMatched);
    }

    // A token without iss read "iss '' is not the expected issuer", as if it had an empty one.
    [Theory]
    [InlineData("{\"sub\":\"a\"}", "the token has no iss claim")]
    [InlineData("{\"iss\":\"\"}", "iss '' is not the expected issuer")]
    [InlineData("{\"iss\":\"https://other.example\"}", "iss 'https://other.example' is not the expected issuer")]
    public void An_issuer_mismatch_says_whether_the_token_has_an_iss_at_all(string claims, string reason)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var store = TrustStore.FromKeys([Core.Keys.PublicKey.FromSpki(key.ExportSubjectPublicKeyInfo(), "k")]);
        var signingInput = Base64Url.Encode("{\"alg\":\"ES256\"}"u8) + "." + Base64Url.Encode(Encoding.UTF8.GetBytes(claims));
        var token = signingInput + "." + Base64Url.Encode(key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256));

        var result = new TokenVerifier(store, new() { Issuers = ["https://issuer.example"] }).Verify(token);

        Assert.Equal(VerificationStatus.ClaimMismatch, result.Status);
        Assert.Equal(reason, result.Reason);
    }

    [Fact]
    public void An_expected_value_that_is_not_valid_text_matches_nothing()
    {
        Assert.Empty(KmsSignature.Core.Jose.JwtClaims.EncodeExpected(["\ud800"]));
        Assert.Equal(VerificationStatus.ClaimMismatch, Check("es256-p256.jwt", new() { Issuers = ["\ud800"] }).Status);
        Assert.True(Check("es256-p256.jwt", new() { Issuers = ["\ud800", "https://issuer.example"] }).IsValid);
    }

    [Fact]
    public void Expectations_are_taken_when_the_verifier_is_built()
    {
        var issuers = new List<string> { "https://issuer.example" };
        var verifier = new TokenVerifier(Store, new() { Issuers = issuers });

        issuers[0] = "https://someone-else.example";

        Assert.True(verifier.Verify(Fixtures.Token("es256-p256.jwt")).IsValid);
    }

    [Fact]
    public void Negative_clock_skew_is_refused()
    {
        var ex = Assert.Throws<KmsSignatureException>(() => new TokenVerifier(Store, new() { ClockSkew = TimeSpan.FromSeconds(-1) }));
        Assert.Equal(("KmsSignature.InvalidClockSkew", ErrorKind.InvalidArgument, (object?)TimeSpan.FromSeconds(-1)), (ex.ErrorId, ex.Kind, ex.Target));
    }

    // The verifier's allocation-free check and the full parse must agree on every claims set: same errors,
    // same times, and iss/aud matching exactly what the parsed values would match (escapes decoded, a duplicate refused by both).
    [Theory]
    [InlineData("""{"iss":"https:\/\/issuer.example","aud":"a","exp":1700000000}""")]
    [InlineData("""{"iss":"\u0068ttps://issuer.example","aud":["x","a"]}""")]
    [InlineData("""{"iss":"https://issuer.example","iss":"evil","aud":"a"}""")]
    [InlineData("""{"iss":"evil","iss":"https://issuer.example","aud":"a","aud":"b"}""")]
    [InlineData("""{"aud":["b","a"],"nbf":1700000000.9,"iat":1}""")]
    [InlineData("""{"\u0069ss":"https://issuer.example","\u0061ud":["a"],"\u0065xp":1700000000}""")]
    [InlineData("""{"\u0069ss":5}""")]
    [InlineData("""{"issx":5,"exp2":"soon","\u0069ssuer":5,"is":5}""")]
    [InlineData("""{"iss":5}""")]
    [InlineData("""{"aud":["a",5]}""")]
    [InlineData("""{"exp":"soon"}""")]
    [InlineData("""{"sub":"x","extra":{"nested":[1,2,{"iss":"https://issuer.example"}]}}""")]
    [InlineData("""[1,2]""")]
    [InlineData("""{"iss":"https://issuer.example"} {}""")]
    [InlineData("""{"iss":"https://issuer.example",""")]
    [InlineData("""{"iss":"\ud800"}""")]
    [InlineData("""{"sub":"\ud800","iss":"https://issuer.example"}""")]
    [InlineData("""{"jti":"\ud800"}""")]
    [InlineData("""{"aud":["a","\udc00"]}""")]
    [InlineData("""{"x":"\ud800","iss":"https://issuer.example"}""")]
    public void Hot_path_check_agrees_with_the_full_parse(string json)
    {
        string[] issuers = ["https://issuer.example"], audiences = ["a"];
        var bytes = Encoding.UTF8.GetBytes(json);

        var parsed = KmsSignature.Core.Jose.JwtClaims.TryParse(bytes, out var claims, out var parseError);
        var checkedOk = KmsSignature.Core.Jose.JwtClaims.TryCheck(bytes,
            KmsSignature.Core.Jose.JwtClaims.EncodeExpected(issuers), KmsSignature.Core.Jose.JwtClaims.EncodeExpected(audiences), out var check, out var checkError);

        Assert.Equal(parsed, checkedOk);
        Assert.Equal(parseError, checkError);
        Assert.Equal(claims is not null, check.IsClaimsSet);
        if (claims is not null)
        {
            Assert.Equal(claims.ExpiresAt, check.ExpiresAt);
            Assert.Equal(claims.NotBefore, check.NotBefore);
            Assert.Equal(claims.Issuer is not null && issuers.Contains(claims.Issuer), check.IssuerMatched);
            Assert.Equal(claims.Audience.Any(audiences.Contains), check.AudienceMatched);
        }
    }

    [Fact]
    public void A_valid_result_still_exposes_its_claims()
    {
        var result = Check("es256-p256.jwt", new() { Issuers = ["https://issuer.example"], Audiences = ["kms-signature-tests"] });

        Assert.True(result.IsValid);
        Assert.Equal("https://issuer.example", result.Issuer);
        Assert.Equal("fixture-ES256", result.Subject);
        Assert.Contains("kms-signature-tests", result.JwtClaims!.Audience);
        Assert.Same(result.JwtClaims, result.JwtClaims);
        Assert.Equal("fixture-ES256", result.Claims!["sub"]);
    }

    // Normal tokens decode on the stack; a header or payload over 1 KiB takes a pooled buffer. Both paths must
    // check the same things: the signature over the whole signing input and the claims at the payload's end.
    [Theory]
    [InlineData(10, 10)]
    [InlineData(3000, 10)]
    [InlineData(10, 6000)]
    [InlineData(3000, 6000)]
    public void Headers_and_payloads_beyond_the_stack_buffer_are_checked_alike(int headerPad, int payloadPad)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var store = TrustStore.FromKeys([Core.Keys.PublicKey.FromSpki(key.ExportSubjectPublicKeyInfo(), "big")]);
        static string B64(string json) => Base64Url.Encode(Encoding.UTF8.GetBytes(json));
        var signingInput = B64($"{{\"alg\":\"ES256\",\"kid\":\"big\",\"x\":\"{new string('h', headerPad)}\"}}") + "." +
            B64($"{{\"pad\":\"{new string('p', payloadPad)}\",\"iss\":\"https://issuer.example\",\"exp\":4000000000}}");
        var signature = key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256);
        var token = signingInput + "." + Base64Url.Encode(signature);

        Assert.True(new TokenVerifier(store, new()).Verify(token).IsValid);
        Assert.True(new TokenVerifier(store, new() { Issuers = ["https://issuer.example"] }).Verify(token).IsValid);
        Assert.Equal(VerificationStatus.ClaimMismatch, new TokenVerifier(store, new() { Issuers = ["https://other.example"] }).Verify(token).Status);
        Assert.Equal(VerificationStatus.Expired, new TokenVerifier(store, new() { At = DateTimeOffset.FromUnixTimeSeconds(4000000000).AddHours(1) }).Verify(token).Status);
        var inPayload = signingInput.IndexOf('.') + 6; // the signature is checked before the payload is read
        var tampered = token[..inPayload] + (token[inPayload] == 'A' ? 'B' : 'A') + token[(inPayload + 1)..];
        Assert.Equal(VerificationStatus.InvalidSignature, new TokenVerifier(store, new()).Verify(tampered).Status);
    }
}
