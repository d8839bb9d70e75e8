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
        var result = Verifier.Verify(Fixtures.Token(file));

        Assert.True(result.IsValid, result.ToString());
        Assert.NotNull(result.Key);
        Assert.Equal(result.Header!["alg"], result.Algorithm);
        Assert.Equal("https://issuer.example", result.Issuer);
        Assert.Equal("https://issuer.example", result.Claims!["iss"]);
        Assert.False(string.IsNullOrEmpty(result.Subject));
    }

    [Theory]
    [MemberData(nameof(ValidTokens))]
    public void One_byte_changed_in_the_header_makes_it_invalid(string file)
    {
        var token = Fixtures.Token(file);
        var tampered = Tamper.Header(token);
        var headerJson = System.Text.Encoding.UTF8.GetString(Jose.Base64Url.Decode(token.Split('.')[0]));
        if (!headerJson.Contains("\"typ\"", StringComparison.Ordinal))
        {
            // Headers without typ: the changed byte lands in kid or alg, so the token is refused before the signature.
            Assert.False(Verifier.Verify(tampered).IsValid);
            return;
        }

        AssertInvalid(tampered);
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
