using System.Security.Cryptography;
using System.Text;
using KmsSignature.Core.Jose;
using KmsSignature.Core.Verification;

namespace KmsSignature.Core.Tests.Verification;

/// <summary>
/// Tokens built to break the verifier rather than to pass it: bytes that are not UTF-8, dates at the ends of the
/// calendar, payloads dressed so their claims go unread. Each is a result, never an exception.
/// </summary>
public sealed class HostileTokenTests : IDisposable
{
    private readonly ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly TrustStore store;

    public HostileTokenTests() =>
        store = TrustStore.FromKeys([Core.Keys.PublicKey.FromSpki(key.ExportSubjectPublicKeyInfo(), "p256")]);

    public void Dispose() => key.Dispose();

    private static string B64(byte[] bytes) => Base64Url.Encode(bytes);

    private static string B64(string text) => B64(Encoding.UTF8.GetBytes(text));

    private static byte[] WithByte(string before, byte bad, string after) =>
        [.. Encoding.ASCII.GetBytes(before), bad, .. Encoding.ASCII.GetBytes(after)];

    private string Signed(byte[] header, byte[] payload)
    {
        var input = B64(header) + "." + B64(payload);
        return input + "." + B64(key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256));
    }

    private string Signed(string header, string payload) => Signed(Encoding.UTF8.GetBytes(header), Encoding.UTF8.GetBytes(payload));

    public static TheoryData<byte[]> HeadersWithBadUtf8() =>
    [
        WithByte("{\"alg\":\"ES256\",\"kid\":\"", 0xFF, "\"}"),
        WithByte("{\"alg\":\"", 0xC3, "\"}"),
        WithByte("{\"alg\":\"ES256\",\"typ\":\"", 0xFF, "\"}"),
        WithByte("{\"alg\":\"ES256\",\"x-other\":\"", 0xFE, "\"}"),
    ];

    [Theory]
    [MemberData(nameof(HeadersWithBadUtf8))]
    public void A_header_that_is_not_utf8_is_malformed_before_any_signature_check(byte[] header)
    {
        var verifier = new TokenVerifier(store);

        var unsigned = verifier.Verify(B64(header) + "." + B64("{}") + ".AAAA");
        var signed = verifier.Verify(Signed(header, "{}"u8.ToArray()));

        Assert.Equal(VerificationStatus.Malformed, unsigned.Status);
        Assert.Contains("not valid UTF-8", unsigned.Reason);
        Assert.Equal(VerificationStatus.Malformed, signed.Status);
        Assert.Null(signed.Header); // reading the result's header must not throw either
    }

    // "\ud800" without its pair is JSON grammar (RFC 8259 §8.2) but no Unicode text, and the .NET reader throws
    // when it unescapes one. Found by differential testing against jose, which accepts such headers as JS strings.
    [Theory]
    [InlineData("""{"alg":"ES256","kid":"\ud800"}""")]
    [InlineData("""{"alg":"ES256","typ":"\udc00x"}""")]
    [InlineData("""{"alg":"\ud800"}""")]
    [InlineData("""{"alg":"ES256","\ud800":1}""")]
    public void A_header_with_an_escaped_lone_surrogate_is_malformed_before_any_signature_check(string header)
    {
        var verifier = new TokenVerifier(store);

        var unsigned = verifier.Verify(B64(header) + "." + B64("{}") + ".AAAA");
        var signed = verifier.Verify(Signed(header, "{}"));

        Assert.Equal(VerificationStatus.Malformed, unsigned.Status);
        Assert.Contains("lone UTF-16 surrogate", unsigned.Reason);
        Assert.Equal(VerificationStatus.Malformed, signed.Status);
        Assert.Null(signed.Header);
    }

    [Theory]
    [InlineData("""{"iss":"\ud800"}""")]
    [InlineData("""{"sub":"\ud800"}""")]
    [InlineData("""{"jti":"x\udfff"}""")]
    [InlineData("""{"aud":"\ud800"}""")]
    [InlineData("""{"aud":["a","\ud800"]}""")]
    [InlineData("""{"\ud800":1}""")]
    [InlineData("""{"\ud800\ud800\ud800":1}""")]
    public void A_signed_claims_set_with_an_escaped_lone_surrogate_is_malformed_and_its_result_can_be_read(string payload)
    {
        var token = Signed("{\"alg\":\"ES256\"}", payload);

        foreach (var options in new TokenValidationOptions[] { new(), new() { Issuers = ["https://issuer.example"] }, new() { Audiences = ["a"] } })
        {
            var result = new TokenVerifier(store, options).Verify(token);

            Assert.Equal(VerificationStatus.Malformed, result.Status);
            Assert.Contains("lone UTF-16 surrogate", result.Reason);
            Assert.Null(result.Subject);
            Assert.Null(result.Issuer);
            Assert.Null(result.Claims);
        }
    }

    [Fact]
    public void A_signed_payload_that_is_not_utf8_is_malformed_and_its_result_can_be_read()
    {
        var token = Signed("{\"alg\":\"ES256\"}"u8.ToArray(), WithByte("{\"iss\":\"", 0xFF, "\"}"));

        var plain = new TokenVerifier(store).Verify(token);
        var withIssuer = new TokenVerifier(store, new() { Issuers = ["https://issuer.example"] }).Verify(token);

        Assert.Equal(VerificationStatus.Malformed, plain.Status);
        Assert.Contains("not valid UTF-8", plain.Reason);
        Assert.Null(plain.Issuer);
        Assert.Equal(VerificationStatus.Malformed, withIssuer.Status);
    }

    [Fact]
    public void Dates_at_the_ends_of_the_calendar_are_checked_without_overflow()
    {
        var verifier = new TokenVerifier(store);
        var hugeSkew = new TokenVerifier(store, new() { ClockSkew = TimeSpan.FromDays(365.0 * 8000) });

        // 253402300799 is 9999-12-31T23:59:59Z, the largest date there is: "never expires".
        Assert.True(verifier.Verify(Signed("{\"alg\":\"ES256\"}", "{\"exp\":253402300799}")).IsValid);
        Assert.True(verifier.Verify(Signed("{\"alg\":\"ES256\"}", "{\"nbf\":-62135596800}")).IsValid);
        Assert.Equal(VerificationStatus.NotYetValid, verifier.Verify(Signed("{\"alg\":\"ES256\"}", "{\"nbf\":253402300799}")).Status);
        Assert.Equal(VerificationStatus.Expired, verifier.Verify(Signed("{\"alg\":\"ES256\"}", "{\"exp\":-62135596800}")).Status);
        Assert.True(hugeSkew.Verify(Signed("{\"alg\":\"ES256\"}", "{\"exp\":1000}")).IsValid);
        Assert.True(hugeSkew.Verify(Signed("{\"alg\":\"ES256\"}", "{\"exp\":253402300799,\"nbf\":253402300799}")).IsValid);
    }

    // RFC 7519 §2: a NumericDate is any JSON number of seconds. Past year 9999 there is no DateTimeOffset, so such a time
    // stands as the last one there is: an exp then has not come, an nbf not either.
    [Theory]
    [InlineData("253402300800")]
    [InlineData("1e12")]
    [InlineData("1000000000000")]
    [InlineData("253402300799.5")]
    [InlineData("9223372036854775808")]
    [InlineData("1e400")]
    public void Times_past_year_9999_are_the_end_of_time_not_malformed(string seconds)
    {
        var verifier = new TokenVerifier(store);

        var exp = verifier.Verify(Signed("{\"alg\":\"ES256\"}", $"{{\"exp\":{seconds},\"iat\":{seconds}}}"));
        var nbf = verifier.Verify(Signed("{\"alg\":\"ES256\"}", $"{{\"nbf\":{seconds}}}"));

        Assert.True(exp.IsValid, exp.ToString());
        Assert.Equal(DateTimeOffset.MaxValue, exp.ExpiresAt);
        Assert.Equal(DateTimeOffset.MaxValue, exp.JwtClaims!.IssuedAt);
        Assert.Equal(VerificationStatus.NotYetValid, nbf.Status);
        Assert.Contains("not valid before 9999-12-31 23:59:59Z", nbf.Reason);
        Assert.Equal(DateTimeOffset.MaxValue, nbf.JwtClaims!.NotBefore);
    }

    [Theory]
    [InlineData("-62135596801")]
    [InlineData("-1e400")]
    public void Times_before_year_1_stay_malformed(string seconds)
    {
        var result = new TokenVerifier(store).Verify(Signed("{\"alg\":\"ES256\"}", $"{{\"exp\":{seconds}}}"));

        Assert.Equal(VerificationStatus.Malformed, result.Status);
        Assert.Equal("the exp claim is not a NumericDate (seconds since 1970 as a JSON number)", result.Reason);
    }

    [Theory]
    [InlineData("{\"alg\":\"ES256\"}")]
    [InlineData("{\"alg\":\"ES256\",\"typ\":\"JWT\"}")]
    public void A_claims_set_behind_a_byte_order_mark_is_malformed_not_opaque(string header)
    {
        // Read as opaque bytes, its exp would go unchecked.
        var result = new TokenVerifier(store).Verify(Signed(Encoding.UTF8.GetBytes(header), [0xEF, 0xBB, 0xBF, .. "{\"exp\":1000}"u8]));

        Assert.Equal(VerificationStatus.Malformed, result.Status);
        Assert.Contains("byte order mark", result.Reason);
    }

    // Windows PowerShell's '>' and Out-File write UTF-16LE with a byte order mark; readers such as Python's json.loads(bytes)
    // and Newtonsoft (any Unicode white space) take these for a claims set. Read as opaque bytes, their exp went unchecked.
    public static TheoryData<byte[]> ClaimsSetsInAnotherEncoding() => new()
    {
        { [0xFF, 0xFE, .. Encoding.Unicode.GetBytes("{\"exp\":1000}")] },
        { [0xFE, 0xFF, .. Encoding.BigEndianUnicode.GetBytes("{\"exp\":1000}")] },
        { Encoding.BigEndianUnicode.GetBytes("{\"exp\":1000}") },
        { Encoding.Unicode.GetBytes(" {\"exp\":1000}") },
        { [0xFF, 0xFE, 0, 0, .. Encoding.UTF32.GetBytes("{\"exp\":1000}")] },
        { new UTF32Encoding(bigEndian: true, byteOrderMark: false).GetBytes("\n{\"exp\":1000}") },
        { Encoding.UTF8.GetBytes("\u00A0{\"exp\":1000}") },
        { Encoding.UTF8.GetBytes("\f{\"exp\":1000}") },
        { Encoding.UTF8.GetBytes(" \u2028\uFEFF{\"exp\":1000}") },
    };

    [Theory]
    [MemberData(nameof(ClaimsSetsInAnotherEncoding))]
    public void A_claims_set_in_utf16_utf32_or_behind_non_json_white_space_is_malformed_not_opaque(byte[] payload)
    {
        var result = new TokenVerifier(store).Verify(Signed(Encoding.UTF8.GetBytes("{\"alg\":\"ES256\"}"), payload));

        Assert.Equal(VerificationStatus.Malformed, result.Status);
        Assert.Contains("JSON text must", result.Reason);
    }

    [Fact]
    public void Opaque_payloads_that_only_start_like_text_stay_valid()
    {
        var verifier = new TokenVerifier(store);

        Assert.True(verifier.Verify(Signed(Encoding.UTF8.GetBytes("{\"alg\":\"ES256\"}"), Encoding.Unicode.GetBytes("not claims"))).IsValid);
        Assert.True(verifier.Verify(Signed(Encoding.UTF8.GetBytes("{\"alg\":\"ES256\"}"), "\u00A0not claims"u8.ToArray())).IsValid);
        Assert.True(verifier.Verify(Signed(Encoding.UTF8.GetBytes("{\"alg\":\"ES256\"}"), [0xFF, 0xFE, 0x7B])).IsValid);
    }

    [Theory]
    [InlineData("JWT")]
    [InlineData("jwt")]
    [InlineData("application/jwt")]
    public void A_jwt_whose_payload_is_no_json_object_is_malformed(string typ)
    {
        var verifier = new TokenVerifier(store);

        var result = verifier.Verify(Signed($"{{\"alg\":\"ES256\",\"typ\":\"{typ}\"}}", "not claims"));
        var opaque = verifier.Verify(Signed("{\"alg\":\"ES256\"}", "not claims"));

        Assert.Equal(VerificationStatus.Malformed, result.Status);
        Assert.Contains("typ JWT", result.Reason);
        Assert.True(opaque.IsValid, opaque.ToString()); // a JWS without typ JWT may sign any bytes (RFC 8037 A.4)
    }

    // A verifier that takes the first duplicate reads another token than one that takes the last: both are refused.
    [Theory]
    [InlineData("""{"exp":1,"exp":4000000000}""", "exp")]
    [InlineData("""{"exp":4000000000,"exp":1}""", "exp")]
    [InlineData("""{"nbf":4000000000,"nbf":1}""", "nbf")]
    [InlineData("""{"iat":1,"iat":2}""", "iat")]
    [InlineData("""{"iss":"evil","iss":"https://issuer.example"}""", "iss")]
    [InlineData("""{"aud":"a","aud":"b"}""", "aud")]
    [InlineData("""{"sub":"a","sub":"b"}""", "sub")]
    [InlineData("""{"jti":"a","jti":"b"}""", "jti")]
    [InlineData("""{"exp":1,"\u0065xp":4000000000}""", "exp")]
    public void A_claims_set_with_a_registered_claim_twice_is_malformed(string payload, string claim)
    {
        var result = new TokenVerifier(store).Verify(Signed("{\"alg\":\"ES256\"}", payload));

        Assert.Equal(VerificationStatus.Malformed, result.Status);
        Assert.Equal($"the JWT claims set has two {claim} members", result.Reason);
        Assert.Null(result.Claims);
    }

    [Fact]
    public void A_header_with_typ_twice_is_malformed()
    {
        // Read by its first typ this token must carry claims; by its last, any bytes.
        var result = new TokenVerifier(store).Verify(Signed("""{"alg":"ES256","typ":"JWT","typ":"x"}""", "not claims"));

        Assert.Equal(VerificationStatus.Malformed, result.Status);
        Assert.Equal("the JWS header has two typ members", result.Reason);
    }
}
