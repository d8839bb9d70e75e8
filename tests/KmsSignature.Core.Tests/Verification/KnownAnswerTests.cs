using KmsSignature.Core.Keys;
using KmsSignature.Core.Verification;

namespace KmsSignature.Core.Tests.Verification;

/// <summary>RFC 7515 A.2 (RS256), A.3 (ES256) and RFC 8037 A.4 (Ed25519, alg EdDSA, non-JSON payload).</summary>
public sealed class KnownAnswerTests
{
    [Theory]
    [InlineData("rfc/rfc7515-a2-rs256.json", "RS256")]
    [InlineData("rfc/rfc7515-a3-es256.json", "ES256")]
    [InlineData("rfc/rfc8037-a4-ed25519.json", "EdDSA")]
    public void Rfc_vector_verifies_and_a_changed_byte_does_not(string file, string alg)
    {
        var vector = Fixtures.Json(file);
        var store = TrustStore.FromKeys([PublicKey.FromJwk(vector.GetProperty("jwk").GetRawText())]);
        var at = DateTimeOffset.FromUnixTimeSeconds(vector.GetProperty("at").GetInt64());
        var verifier = new TokenVerifier(store, new TokenValidationOptions { At = at });
        var token = vector.GetProperty("token").GetString()!;

        var result = verifier.Verify(token);

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(alg, result.Algorithm);
        Assert.Equal(VerificationStatus.InvalidSignature, verifier.Verify(Tamper.Signature(token)).Status);
        Assert.Equal(VerificationStatus.InvalidSignature, verifier.Verify(Tamper.Payload(token)).Status);
    }

    [Fact]
    public void Rfc7515_token_is_expired_today_with_issuer_joe()
    {
        var vector = Fixtures.Json("rfc/rfc7515-a3-es256.json");
        var store = TrustStore.FromKeys([PublicKey.FromJwk(vector.GetProperty("jwk").GetRawText())]);
        var token = vector.GetProperty("token").GetString()!;

        var result = new TokenVerifier(store).Verify(token);

        Assert.Equal(VerificationStatus.Expired, result.Status);
        Assert.Equal("joe", result.Issuer);
        Assert.Equal(true, result.Claims!["http://example.com/is_root"]);
    }

    [Fact]
    public void Non_json_payload_is_valid_without_claims_but_fails_claim_expectations()
    {
        var vector = Fixtures.Json("rfc/rfc8037-a4-ed25519.json");
        var store = TrustStore.FromKeys([PublicKey.FromJwk(vector.GetProperty("jwk").GetRawText())]);
        var token = vector.GetProperty("token").GetString()!;

        Assert.Null(new TokenVerifier(store).Verify(token).Claims);
        Assert.Equal(VerificationStatus.ClaimMismatch,
            new TokenVerifier(store, new TokenValidationOptions { Issuers = ["joe"] }).Verify(token).Status);
    }
}
