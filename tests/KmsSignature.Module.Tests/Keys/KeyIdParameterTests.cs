using System.Management.Automation;
using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests.Keys;

/// <summary>-KeyId answers to the same names on every cmdlet, so a command line that works on one works on the others.</summary>
public sealed class KeyIdParameterTests(LocalKmsFixture fixture) : IClassFixture<LocalKmsFixture>
{
    public static TheoryData<string> KmsKeyCmdlets() =>
        ["Get-KmsSigningKey", "Set-KmsSignerPolicy", "Export-KmsPublicKeyPem", "New-KmsSignedJwt", "New-KmsSignature", "Test-KmsSignature"];

    [Theory]
    [MemberData(nameof(KmsKeyCmdlets))]
    public void KeyId_has_the_same_aliases_everywhere(string cmdlet)
    {
        using var session = fixture.NewSession();
        var parameters = session.Run("(Get-Command $c).Parameters", new Dictionary<string, object?> { ["c"] = cmdlet })
            .AssertSuccess().Output.Single().BaseObject as System.Collections.IDictionary;
        var keyId = Assert.IsType<ParameterMetadata>(parameters!["KeyId"]);

        // Get-KmsSigningKey has its own -Alias (wildcard patterns), so there 'Alias' cannot also name -KeyId.
        string[] expected = parameters.Contains("Alias") ? ["Arn", "KeyArn", "TargetKeyId"] : ["Alias", "Arn", "KeyArn", "TargetKeyId"];
        Assert.Equal(expected, keyId.Aliases.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_aliases_bind_and_a_piped_KeyId_property_wins_over_an_Alias_property()
    {
        var arn = await KmsSdk.CreateKeyAsync(fixture, "ECC_NIST_P256");
        using var session = fixture.NewSession();
        var vars = new Dictionary<string, object?> { ["k"] = arn };

        Assert.Equal(arn, session.Run("(Export-KmsPublicKeyPem -KeyArn $k @kmsAdmin).Arn", vars).AssertSuccess().Output.Single().BaseObject);
        Assert.Equal(arn, session.Run("(Export-KmsPublicKeyPem -Alias $k @kmsAdmin).Arn", vars).AssertSuccess().Output.Single().BaseObject);
        var piped = session.Run("[pscustomobject]@{ KeyId = $k; Alias = 'alias/no-such-alias' } | Export-KmsPublicKeyPem @kmsAdmin", vars)
            .AssertSuccess().Output.Single();
        Assert.Equal(arn, piped.Properties["Arn"].Value);
    }

    // AWS.Tools' Get-KMSAliasList (and the SDK's AliasListEntry) names the key TargetKeyId; piped, it used to become a string
    // ("Amazon.KeyManagementService.Model.AliasListEntry") and fail as InvalidKeyIdentifier.
    [Fact]
    public async Task An_alias_list_entry_pipes_in_by_its_TargetKeyId()
    {
        var arn = await KmsSdk.CreateKeyAsync(fixture, "ECC_NIST_P256");
        var keyId = arn[(arn.LastIndexOf('/') + 1)..];
        using var session = fixture.NewSession();
        var vars = new Dictionary<string, object?>
        {
            ["entry"] = new Amazon.KeyManagementService.Model.AliasListEntry { AliasName = "alias/listed", TargetKeyId = keyId },
        };

        Assert.Equal(arn, session.Run("($entry | Get-KmsSigningKey @kmsAdmin).Arn", vars).AssertSuccess().Output.Single().BaseObject);
        Assert.Equal(arn, session.Run("($entry | Export-KmsPublicKeyPem @kmsAdmin).Arn", vars).AssertSuccess().Output.Single().BaseObject);
    }
}
