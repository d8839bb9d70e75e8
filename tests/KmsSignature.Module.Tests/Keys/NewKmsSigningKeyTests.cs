using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests.Keys;

public sealed class NewKmsSigningKeyTests(LocalKmsFixture fixture) : IClassFixture<LocalKmsFixture>
{
    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    [Fact]
    public async Task Creates_a_key_born_with_its_signer_and_verifier_policy()
    {
        using var session = fixture.NewSession();
        var alias = Unique("born");
        var puts = fixture.Kms.Counters.Count("PutKeyPolicy");
        var key = Assert.Single(session.Run(
            "New-KmsSigningKey -Alias $alias -SignerPrincipal $signerArn -VerifierPrincipal $verifierArn -Description 'jwt key' -Tag @{ team = 'id' } @kmsAdmin",
            new Dictionary<string, object?> { ["alias"] = alias }).AssertSuccess().Output);

        Assert.Equal("alias/" + alias, key.Properties["Alias"].Value);
        Assert.Equal("ECC_NIST_P256", key.Properties["KeySpec"].Value);
        Assert.Equal("Enabled", key.Properties["KeyState"].Value);
        Assert.Equal(new[] { "ES256" }, (IEnumerable<string>)key.Properties["JwtAlgorithms"].Value);
        Assert.Equal(new[] { "ECDSA_SHA_256" }, (IEnumerable<string>)key.Properties["SigningAlgorithms"].Value);
        Assert.Equal(fixture.Kms.Region, key.Properties["Region"].Value);
        var arn = (string)key.Properties["Arn"].Value;
        Assert.EndsWith((string)key.Properties["KeyId"].Value, arn);

        // Born with the policy: no PutKeyPolicy, so never a moment under the default policy.
        Assert.Equal(puts, fixture.Kms.Counters.Count("PutKeyPolicy"));
        Assert.Contains("KmsSignatureSigners", await KmsSdk.PolicyAsync(fixture, arn));
        Assert.Null(await KmsSdk.TrySignAsync(fixture, fixture.Kms.Signer, arn, "ECDSA_SHA_256"));
        Assert.Equal("AccessDeniedException", await KmsSdk.TrySignAsync(fixture, fixture.Kms.Verifier, arn, "ECDSA_SHA_256"));
        Assert.Null(await KmsSdk.TryGetPublicKeyAsync(fixture, fixture.Kms.Verifier, arn));
        var metadata = await KmsSdk.DescribeAsync(fixture, "alias/" + alias);
        Assert.Equal("jwt key", metadata.Description);
    }

    [Fact]
    public void WhatIf_makes_no_calls_at_all()
    {
        using var session = fixture.NewSession();
        var before = KmsSdk.Mutations(fixture.Kms);
        var result = session.Run("New-KmsSigningKey -Alias $alias -KeySpec RSA_2048 -SignerPrincipal $signerArn -WhatIf @kmsAdmin",
            new Dictionary<string, object?> { ["alias"] = Unique("whatif") }).AssertSuccess();
        Assert.Empty(result.Output);
        Assert.Equal(before, KmsSdk.Mutations(fixture.Kms));
    }
}
