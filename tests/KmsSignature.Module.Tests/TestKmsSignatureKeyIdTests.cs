using System.Management.Automation;
using Amazon.KeyManagementService.Model;
using KmsSignature.Module.Tests.Hosting;
using KmsSignature.Module.Tests.Keys;

namespace KmsSignature.Module.Tests;

/// <summary>Test-KmsSignature -KeyId: the public key comes from KMS once, verification is offline.</summary>
public sealed class TestKmsSignatureKeyIdTests(LocalKmsFixture fixture) : IClassFixture<LocalKmsFixture>
{
    private static Dictionary<string, object?> Vars(params (string Name, object? Value)[] values) =>
        values.ToDictionary(v => v.Name, v => v.Value);

    private static ErrorRecord Terminating(PowerShellSession session, string script, Dictionary<string, object?>? variables = null)
    {
        var result = session.Run("try { $null = & { " + script + " } } catch { $_ }", variables);
        return Assert.IsType<ErrorRecord>(Assert.Single(result.Output).BaseObject);
    }

    private (PowerShellSession Session, string Arn, string Token) SignedToken(string alias)
    {
        var session = fixture.NewSession();
        var arn = session.Run("(New-KmsSigningKey -Alias $a -SignerPrincipal $signerArn -VerifierPrincipal $verifierArn @kmsAdmin).Arn",
            Vars(("a", alias))).AssertSuccess().Output.Single().BaseObject.ToString()!;
        var token = session.Run("(New-KmsSignedJwt -KeyId $k -Subject user-1 -Lifetime ([TimeSpan]::FromHours(1)) @kmsSigner).Token",
            Vars(("k", arn))).AssertSuccess().Output.Single().BaseObject.ToString()!;
        return (session, arn, token);
    }

    [Fact]
    public void Verification_by_ARN_is_offline_and_an_alias_costs_one_lookup_per_command()
    {
        var (session, arn, token) = SignedToken("keyid-verify");
        using var _ = session;
        var signsBefore = fixture.Kms.Counters.Count("Sign");
        // Signing already fetched this key's public key: the session cache (keyed by ARN) has it.
        var fetchesBefore = fixture.Kms.Counters.Count("GetPublicKey");

        var results = session.Run("1..50 | ForEach-Object { $t } | Test-KmsSignature -KeyId $k @kmsVerifier",
            Vars(("t", token), ("k", arn))).AssertSuccess().Output;
        var again = session.Run("Test-KmsSignature -Token $t -KeyId $k @kmsVerifier -Quiet",
            Vars(("t", token), ("k", arn))).AssertSuccess().Output;

        Assert.Equal(50, results.Count);
        Assert.All(results, r => Assert.Equal("Valid", r.Properties["Status"].Value.ToString()));
        Assert.True((bool)again.Single().BaseObject);
        Assert.Equal(fetchesBefore, fixture.Kms.Counters.Count("GetPublicKey"));
        Assert.Equal(signsBefore, fixture.Kms.Counters.Count("Sign"));

        // An alias may have moved, so each command resolves it once (as the verifier, which needs only
        // kms:GetPublicKey) and then verifies all its tokens offline.
        var verifierFetchesBefore = fixture.Kms.Counters.Count("GetPublicKey", fixture.Kms.Verifier.Arn);
        var byAlias = session.Run("1..20 | ForEach-Object { $t } | Test-KmsSignature -KeyId alias/keyid-verify @kmsVerifier -Quiet",
            Vars(("t", token))).AssertSuccess().Output;
        Assert.True((bool)byAlias.Single().BaseObject);
        Assert.Equal(fetchesBefore + 1, fixture.Kms.Counters.Count("GetPublicKey"));
        Assert.Equal(verifierFetchesBefore + 1, fixture.Kms.Counters.Count("GetPublicKey", fixture.Kms.Verifier.Arn));
    }

    // A key rotation: tokens of the old and the new key are both in circulation, each with its own key's ARN as kid.
    [Fact]
    public void Several_keys_verify_the_tokens_of_each()
    {
        var (session, oldArn, oldToken) = SignedToken("keyid-rotation-old");
        using var _ = session;
        var newArn = session.Run("(New-KmsSigningKey -Alias keyid-rotation-new -SignerPrincipal $signerArn -VerifierPrincipal $verifierArn @kmsAdmin).Arn")
            .AssertSuccess().Output.Single().BaseObject.ToString();
        var newToken = session.Run("(New-KmsSignedJwt -KeyId $k -Subject user-2 @kmsSigner).Token", Vars(("k", newArn))).AssertSuccess().Output.Single();
        var vars = Vars(("tokens", new[] { oldToken, newToken }), ("keys", new[] { oldArn, newArn }));

        var byKeyId = session.Run("$tokens | Test-KmsSignature -KeyId $keys @kmsVerifier", vars).AssertSuccess().Output;
        var byKeyObject = session.Run("$tokens | Test-KmsSignature -PublicKey ($keys | Export-KmsPublicKeyPem @kmsVerifier)", vars).AssertSuccess().Output;

        Assert.Equal(["Valid", "Valid"], byKeyId.Select(r => r.Properties["Status"].Value.ToString()));
        Assert.Equal(["Valid", "Valid"], byKeyObject.Select(r => r.Properties["Status"].Value.ToString()));
    }

    [Fact]
    public async Task A_moved_alias_is_noticed()
    {
        var (session, _, token) = SignedToken("keyid-moving");
        using var __ = session;
        var other = session.Run("(New-KmsSigningKey -Alias keyid-other -VerifierPrincipal $verifierArn @kmsAdmin).Arn")
            .AssertSuccess().Output.Single().BaseObject.ToString()!;

        var before = session.Run("(Test-KmsSignature -Token $t -KeyId alias/keyid-moving @kmsVerifier).Status", Vars(("t", token)))
            .AssertSuccess().Output.Single().ToString();
        using (var admin = KmsSdk.For(fixture, fixture.Kms.Admin))
        {
            await admin.UpdateAliasAsync(new UpdateAliasRequest { AliasName = "alias/keyid-moving", TargetKeyId = other });
        }

        var after = session.Run("(Test-KmsSignature -Token $t -KeyId alias/keyid-moving @kmsVerifier).Status", Vars(("t", token)))
            .AssertSuccess().Output.Single().ToString();

        Assert.Equal("Valid", before);
        Assert.Equal("InvalidSignature", after); // checked with the key the alias names now
    }

    [Fact]
    public void Unknown_key_is_terminating_and_keeps_the_KMS_error()
    {
        using var session = fixture.NewSession();
        var record = Terminating(session, "Test-KmsSignature -Token 'a.b.c' -KeyId alias/does-not-exist @kmsVerifier");

        Assert.StartsWith("KmsSignature.KmsNotFound", record.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, record.CategoryInfo.Category);
    }

    [Fact]
    public void Caller_without_GetPublicKey_is_denied_clearly()
    {
        using var session = fixture.NewSession();
        // A key whose policy names nobody but the account: the verifier principal has no grant on it.
        var bare = session.Run("(New-KmsSigningKey -Alias keyid-bare @kmsAdmin).Arn").AssertSuccess().Output.Single().BaseObject.ToString();

        var record = Terminating(session, "Test-KmsSignature -Token 'a.b.c' -KeyId $k @kmsVerifier", Vars(("k", bare)));

        Assert.StartsWith("KmsSignature.KmsAccessDenied", record.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.PermissionDenied, record.CategoryInfo.Category);
    }
}
