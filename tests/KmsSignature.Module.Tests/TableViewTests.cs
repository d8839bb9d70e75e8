using System.Xml.Linq;
using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests;

/// <summary>What the default tables of Test-KmsSignature and New-KmsSignedJwt show, column by column as wide as the view makes it.</summary>
public sealed class TableViewTests(LocalKmsFixture fixture) : IClassFixture<LocalKmsFixture>
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

        var shown = results.Select(r => Column(session, "KmsSignature.Verification.Format.ps1xml", r, "KeyId")).ToList();
        Assert.NotEqual(shown[0], shown[1]);
    }

    [Fact]
    public void Signed_token_ExpiresAt_fits_its_column_in_en_US()
    {
        // The table formats values with the session's culture: en-US writes "11/24/2026 4:30:54 PM +00:00".
        using var session = fixture.NewSession();
        var key = session.Run("(New-KmsSigningKey -Alias \"view-exp-$([Guid]::NewGuid())\" @kmsAdmin).Arn").AssertSuccess().Output.Single().BaseObject;
        var token = session.Run("New-KmsSignedJwt -KeyId $key -IssuedAt '2026-11-24T12:30:54Z' -Lifetime '00:15:00' @kmsAdmin",
            new Dictionary<string, object?> { ["key"] = key }).AssertSuccess().Output.Single();
        session.Run("[System.Globalization.CultureInfo]::CurrentCulture = 'en-US'").AssertSuccess();
        var culture = System.Globalization.CultureInfo.CurrentCulture;
        string shown;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("en-US");
            shown = Column(session, "KmsSignature.Signing.Format.ps1xml", token, "ExpiresAt");
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = culture;
        }

        Assert.DoesNotContain("…", shown, StringComparison.Ordinal);
        Assert.Contains("2026", shown, StringComparison.Ordinal);
        Assert.Contains("12:45:54", shown, StringComparison.Ordinal);
    }

    // The column's text as the table shows it: its property or script block, cut to the column's width.
    private static string Column(PowerShellSession session, string formatFile, System.Management.Automation.PSObject result, string label)
    {
        var type = result.BaseObject.GetType().FullName;
        var view = XDocument.Load(Path.Combine(RepoPaths.ModuleDirectory, formatFile)).Descendants("View")
            .Single(v => v.Descendants("TypeName").Single().Value == type);
        var headers = view.Descendants("TableColumnHeader").ToList();
        var index = headers.FindIndex(h => h.Element("Label")?.Value == label);
        var item = view.Descendants("TableColumnItem").ElementAt(index);
        var text = item.Element("PropertyName") is { } property
            ? (result.Properties[property.Value].Value is IFormattable formattable
                ? formattable.ToString(null, System.Globalization.CultureInfo.CurrentCulture) // as the table formats it
                : result.Properties[property.Value].Value?.ToString()) ?? string.Empty
            : session.Run("$r | ForEach-Object ([scriptblock]::Create($sb))",
                new Dictionary<string, object?> { ["r"] = result, ["sb"] = item.Element("ScriptBlock")!.Value }).AssertSuccess().Output.Single().ToString();
        var width = headers[index].Element("Width") is { } w ? int.Parse(w.Value, System.Globalization.CultureInfo.InvariantCulture) : int.MaxValue;
        return text.Length <= width ? text : text[..(width - 1)] + "…";
    }
}
