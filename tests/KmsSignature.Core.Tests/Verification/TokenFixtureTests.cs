using System.Text.Json;
using KmsSignature.Core.Verification;

namespace KmsSignature.Core.Tests.Verification;

/// <summary>
/// Tokens made by node's crypto and @noble/post-quantum (tests/fixtures/tokens/manifest.json) get the
/// status the manifest says, and a one-byte change to header, payload or signature makes every valid one invalid.
/// </summary>
public sealed class TokenFixtureTests
{
    private static readonly TrustStore Store = TrustStore.Load(Fixtures.PathOf("keys"));
    private static readonly TokenVerifier Verifier = new(Store);

    public static TheoryData<string, string> Manifest()
    {
        var data = new TheoryData<string, string>();
        foreach (var entry in Fixtures.Json("tokens/manifest.json").EnumerateArray())
        {
            data.Add(entry.GetProperty("file").GetString()!, entry.GetProperty("expect").GetString()!);
        }

        return data;
    }

    public static TheoryData<string> ValidTokens()
    {
        var data = new TheoryData<string>();
        foreach (var entry in Fixtures.Json("tokens/manifest.json").EnumerateArray())
        {
            if (entry.GetProperty("expect").GetString() == "Valid")
            {
                data.Add(entry.GetProperty("file").GetString()!);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Manifest))]
    public void Token_gets_the_expected_status(string file, string expected)
    {
        var result = Verifier.Verify(Fixtures.Token(file));

        Assert.True(Enum.Parse<VerificationStatus>(expected) == result.Status, $"{file}: {result}");
        Assert.Equal(result.Status == VerificationStatus.Valid, result.IsValid);
        Assert.False(string.IsNullOrWhiteSpace(result.Reason));
    }

    [Theory]
    [MemberData(nameof(ValidTokens))]
    public void Valid_token_reports_key_alg_and_claims(string file)
    {
        var token = Fixtures.Token(file);
        var entry = Fixtures.Json("tokens/manifest.json").EnumerateArray().Single(e => e.GetProperty("file").GetString() == file);
        // The payload as node wrote it, read with the platform's JSON and base64 rather than the verifier's JOSE codec.
        var payload = token.Split('.')[1].Replace('-', '+').Replace('_', '/');
        var claims = JsonDocument.Parse(Convert.FromBase64String(payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '='))).RootElement;

        var result = Verifier.Verify(token);

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(Fixtures.Bytes($"keys/{entry.GetProperty("key").GetString()}.der"), result.Key!.Spki.ToArray());
        Assert.Equal(entry.GetProperty("alg").GetString(), result.Algorithm);
        Assert.Equal("https://issuer.example", result.Issuer);
        Assert.Equal("https://issuer.example", result.Claims!["iss"]);
        Assert.Equal(claims.GetProperty("sub").GetString(), result.Subject);
    }

    [Theory]
    [MemberData(nameof(ValidTokens))]
    public void One_byte_changed_in_the_header_makes_it_invalid(string file)
    {
        var token = Fixtures.Token(file);
        var tampered = Tamper.Header(token);
        var headerJson = System.Text.Encoding.UTF8.GetString(Core.Jose.Base64Url.Decode(token.Split('.')[0]));
        // Headers without typ: the changed byte lands in kid (no key has it) or, without a kid, in alg (ES256 -> ES25x),
        // so the token is refused before the signature is checked.
        var expected = headerJson.Contains("\"typ\"", StringComparison.Ordinal) ? VerificationStatus.InvalidSignature
            : headerJson.Contains("\"kid\"", StringComparison.Ordinal) ? VerificationStatus.UntrustedKey
            : VerificationStatus.AlgorithmNotAllowed;

        var result = Verifier.Verify(tampered);

        Assert.True(result.Status == expected, $"{result} for {tampered}");
    }

    [Theory]
    [MemberData(nameof(ValidTokens))]
    public void One_byte_changed_in_the_payload_makes_it_invalid(string file) =>
        AssertInvalid(Tamper.Payload(Fixtures.Token(file)));

    [Theory]
    [MemberData(nameof(ValidTokens))]
    public void One_byte_changed_in_the_signature_makes_it_invalid(string file) =>
        AssertInvalid(Tamper.Signature(Fixtures.Token(file)));

    [Fact]
    public void Der_signature_is_accepted_only_with_the_option_and_the_result_says_so()
    {
        var token = Fixtures.Token("es256-der-signature.jwt");

        var strict = Verifier.Verify(token);
        var lenient = new TokenVerifier(Store, new TokenValidationOptions { AllowDerSignature = true }).Verify(token);

        Assert.Equal(VerificationStatus.InvalidSignature, strict.Status);
        Assert.Contains("DER", strict.Reason);
        Assert.True(lenient.IsValid, lenient.ToString());
        Assert.True(lenient.DerSignature);
        Assert.Contains("DER", lenient.Reason);
        Assert.False(Verifier.Verify(Fixtures.Token("es256-p256.jwt")).DerSignature);
    }

    [Fact]
    public void Verifier_is_safe_to_share_between_threads()
    {
        var tokens = Fixtures.Json("tokens/manifest.json").EnumerateArray()
            .Where(e => e.GetProperty("expect").GetString() == "Valid")
            .Select(e => Fixtures.Token(e.GetProperty("file").GetString()!)).ToArray();
        var failures = 0;

        Parallel.For(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            if (!Verifier.Verify(tokens[i % tokens.Length]).IsValid)
            {
                Interlocked.Increment(ref failures);
            }
        });

        Assert.Equal(0, failures);
    }

    private static void AssertInvalid(string tampered)
    {
        var result = Verifier.Verify(tampered);
        Assert.True(result.Status == VerificationStatus.InvalidSignature, $"{result} for {tampered}");
    }
}
