using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests.Keys;

public sealed class KeysRunbookTests(LocalKmsFixture fixture) : IClassFixture<LocalKmsFixture>
{
    [Fact]
    public async Task Runbook_is_idempotent_and_the_verifier_may_fetch_but_not_sign()
    {
        var script = Path.Combine(RepoPaths.Root, "examples", "keys-runbook.ps1");
        var output = Directory.CreateTempSubdirectory().FullName;
        using var session = fixture.NewSession();
        var vars = new Dictionary<string, object?> { ["script"] = script, ["out"] = output };
        const string Run = "& $script -SignerPrincipal $signerArn -VerifierPrincipal $verifierArn -OutputDirectory $out @kmsAdmin | ForEach-Object { \"$($_.Alias)|$($_.KeySpec)|$($_.KeyId)\" }";
        var first = session.Run(Run, vars).AssertSuccess().Output.Select(o => o.BaseObject.ToString()).ToArray();
        var jwks = await File.ReadAllTextAsync(Path.Combine(output, "jwks.json"));
        var puts = fixture.Kms.Counters.Count("PutKeyPolicy");
        var creates = fixture.Kms.Counters.Count("CreateKey");
        var second = session.Run(Run, vars).AssertSuccess().Output.Select(o => o.BaseObject.ToString()).ToArray();

        Assert.Equal(2, first.Length);
        Assert.Equal(first, second);
        Assert.Equal(jwks, await File.ReadAllTextAsync(Path.Combine(output, "jwks.json")));
        Assert.Equal(puts, fixture.Kms.Counters.Count("PutKeyPolicy"));
        Assert.Equal(creates, fixture.Kms.Counters.Count("CreateKey"));
        Assert.True(File.Exists(Path.Combine(output, "runbook-rsa_4096.pem")));

        var rsaKeyId = first[0]!.Split('|')[2];
        Assert.Equal("AccessDeniedException", await KmsSdk.TrySignAsync(fixture, fixture.Kms.Verifier, rsaKeyId, "RSASSA_PKCS1_V1_5_SHA_256"));
        Assert.Null(await KmsSdk.TryGetPublicKeyAsync(fixture, fixture.Kms.Verifier, rsaKeyId));
        Assert.Null(await KmsSdk.TrySignAsync(fixture, fixture.Kms.Signer, rsaKeyId, "RSASSA_PKCS1_V1_5_SHA_256"));
    }

    [Fact]
    public void WhatIf_rehearses_the_runbook_and_changes_nothing()
    {
        var script = Path.Combine(RepoPaths.Root, "examples", "keys-runbook.ps1");
        var output = Path.Combine(Path.GetTempPath(), $"kms-runbook-whatif-{Guid.NewGuid():N}");
        var console = new TextHost(300);
        using var session = fixture.NewSession(console);
        var mutations = KmsSdk.Mutations(fixture.Kms);

        var result = session.Run("& $script -SignerPrincipal $signerArn -VerifierPrincipal $verifierArn -AliasPrefix rehearsal -OutputDirectory $out -WhatIf @kmsAdmin",
            new Dictionary<string, object?> { ["script"] = script, ["out"] = output }).AssertSuccess();

        // Before: a row per key with every column empty (New-KmsSigningKey returned nothing), and the output directory made.
        Assert.Empty(result.Output);
        Assert.Equal(mutations, KmsSdk.Mutations(fixture.Kms));
        Assert.False(Directory.Exists(output));
        var said = console.Text.Split('\n').Where(l => l.StartsWith("What if:", StringComparison.Ordinal)).ToList();
        Assert.Contains(said, l => l.Contains("Create an RSA_4096 signing key with the alias alias/rehearsal-rsa-4096", StringComparison.Ordinal));
        Assert.Contains(said, l => l.Contains("Create an ECC_NIST_P256 signing key with the alias alias/rehearsal-ecc-nist-p256", StringComparison.Ordinal));
    }

    // CreateKey, CreateAlias, DescribeKey, the key policy and GetPublicKey: no listing. Its last step used to list the keys
    // again by alias pattern (kms:ListAliases), so it failed after making both keys.
    [Fact]
    public async Task A_key_admin_without_list_permissions_can_run_the_runbook()
    {
        var (kms, _, connection) = await LocalKmsFixture.StartWithLeastPrivilegeAsync("KeyRunbook",
            "kms:CreateKey", "kms:CreateAlias", "kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy", "kms:GetPublicKey");
        await using var _ = kms;
        var output = Directory.CreateTempSubdirectory("kms-runbook-least-").FullName;
        using var session = new PowerShellSession();
        var vars = new Dictionary<string, object?>
        {
            ["script"] = Path.Combine(RepoPaths.Root, "examples", "keys-runbook.ps1"),
            ["out"] = output,
            ["signerArn"] = kms.Signer.Arn,
            ["verifierArn"] = kms.Verifier.Arn,
            ["connection"] = connection,
        };

        var result = session.Run("& $script -SignerPrincipal $signerArn -VerifierPrincipal $verifierArn -OutputDirectory $out @connection", vars);

        Assert.Empty(result.Errors);
        Assert.Equal(2, result.Output.Count);
        var jwks = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "jwks.json")));
        Assert.Equal(2, jwks.RootElement.GetProperty("keys").GetArrayLength());
        Directory.Delete(output, recursive: true);
    }
}
