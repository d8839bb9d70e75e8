using System.Xml.Linq;
using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests;

/// <summary>What Test-KmsSignature's default table shows for tokens of KMS keys, column by column as wide as the view makes it.</summary>
public sealed class VerificationTableViewTests(LocalKmsFixture fixture) : IClassFixture<LocalKmsFixture>
{
    [Fact]
    public void KeyId_column_tells_apart_keys_of_one_account_and_Region()
    {
        using var session = fixture.NewSession();
        var results = session.Run("""
            $keys = 'one', 'two' | ForEach-Object { New-KmsSigningKey -Alias "view-$_-$([Guid]::NewGuid())" @kmsAdmin }
            $jwks = [IO.Path]::Combine([IO.Path]::GetTempPath(), "view-$([Guid]::NewGuid()).json")
            $keys | Export-KmsPublicKeyPem -Format Jwks -Path $jwks @kmsAdmin
            $keys | ForEach-Object { New-KmsSignedJwt -KeyId $_.Arn -Subject view @kmsAdmin } | Test-KmsSignature -TrustStore $jwks
            [IO.File]::Delete($jwks)
            """).AssertSuccess().Output.ToList();
        Assert.Equal(2, results.Count);
        Assert.All(results, r => Assert.StartsWith("arn:aws:kms:", (string)r.Properties["KeyId"].Value, StringComparison.Ordinal));

        var shown = results.Select(r => Column(session, r, "KeyId")).ToList();
        Assert.NotEqual(shown[0], shown[1]);
    }

    // The column's text as the table shows it: its property or script block, cut to the column's width.
    private static string Column(PowerShellSession session, System.Management.Automation.PSObject result, string label)
    {
        var view = XDocument.Load(Path.Combine(RepoPaths.ModuleDirectory, "KmsSignature.Verification.Format.ps1xml"));
        var headers = view.Descendants("TableColumnHeader").ToList();
        var index = headers.FindIndex(h => h.Element("Label")?.Value == label);
        var item = view.Descendants("TableColumnItem").ElementAt(index);
        var text = item.Element("PropertyName") is { } property
            ? result.Properties[property.Value].Value?.ToString() ?? string.Empty
            : session.Run("$r | ForEach-Object ([scriptblock]::Create($sb))",
                new Dictionary<string, object?> { ["r"] = result, ["sb"] = item.Element("ScriptBlock")!.Value }).AssertSuccess().Output.Single().ToString();
        var width = headers[index].Element("Width") is { } w ? int.Parse(w.Value, System.Globalization.CultureInfo.InvariantCulture) : int.MaxValue;
        return text.Length <= width ? text : text[..(width - 1)] + "…";
    }
}
