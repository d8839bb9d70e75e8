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
}
