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
    public void Negative_clock_skew_is_refused() =>
        Assert.Throws<KmsSignatureException>(() => new TokenVerifier(Store, new() { ClockSkew = TimeSpan.FromSeconds(-1) }));
}
