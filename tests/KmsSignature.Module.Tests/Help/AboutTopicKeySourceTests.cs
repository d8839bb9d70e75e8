using System.Text.RegularExpressions;
using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests.Help;

/// <summary>
/// about_KmsSignature's KEY SOURCES names the cmdlets whose key objects -PublicKey takes; each of them really works
/// there: its output for a key verifies a token that key signed. The signing-key objects it sends to -KeyId work there.
/// </summary>
public sealed class AboutTopicKeySourceTests(LocalKmsFixture fixture) : IClassFixture<LocalKmsFixture>
{
    [Fact]
    public void Every_cmdlet_the_about_topic_offers_as_a_PublicKey_source_gives_a_key_object_PublicKey_takes()
    {
        var about = File.ReadAllText(Path.Combine(RepoPaths.Root, "module", "en-US", "about_KmsSignature.help.txt"));
        var start = about.IndexOf("    -PublicKey ", StringComparison.Ordinal);
        var entry = about[start..about.IndexOf("    -TrustStore ", start, StringComparison.Ordinal)];
        var sources = Regex.Matches(entry, @"\b[A-Z][a-z]+-Kms[A-Za-z]+\b").Select(m => m.Value).Distinct().ToList();
        Assert.Equal(["Export-KmsPublicKeyPem"], sources);

        using var session = fixture.NewSession();
        var key = session.Run("(New-KmsSigningKey -Alias about-key-source @kmsAdmin).Arn").AssertSuccess().Output.Single().BaseObject;
        foreach (var cmdlet in sources)
        {
            var result = session.Run("""
                $jwt = New-KmsSignedJwt -KeyId $key -Subject about @kmsAdmin
                $source = & $cmdlet -KeyId $key @kmsAdmin
                (Test-KmsSignature -Token $jwt.Token -PublicKey $source).Status
                """, new Dictionary<string, object?> { ["key"] = key, ["cmdlet"] = cmdlet });
            Assert.True(result.Errors.Count == 0 && result.Terminating is null,
                $"about_KmsSignature offers {cmdlet}'s output as -PublicKey, but: " + string.Join("; ", result.Errors.Select(e => $"{e.FullyQualifiedErrorId}: {e}")));
            Assert.Equal("Valid", result.Output.Single().ToString());
        }

        // What the topic says to do with the other cmdlets' signing-key objects instead.
        Assert.Contains("give those to -KeyId", entry, StringComparison.Ordinal);
        var byKeyObject = session.Run("""
            $jwt = New-KmsSignedJwt -KeyId $key -Subject about @kmsAdmin
            (Test-KmsSignature -Token $jwt.Token -KeyId (Get-KmsSigningKey -KeyId $key @kmsAdmin) @kmsAdmin).Status
            """, new Dictionary<string, object?> { ["key"] = key }).AssertSuccess();
        Assert.Equal("Valid", byKeyObject.Output.Single().ToString());
    }
}
