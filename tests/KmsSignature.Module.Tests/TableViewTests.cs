using System.Xml.Linq;
using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests;

/// <summary>What the default views of the module's objects show, column by column, item by item, or rendered in a console of a given width.</summary>
public sealed class TableViewTests(LocalKmsFixture fixture) : IClassFixture<LocalKmsFixture>
{
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

    // Before, fixed columns for the algorithm and a cut key id left the reason about 10 characters ("expired a…").
    [Fact]
    public void Verification_table_at_120_columns_shows_a_valid_row_on_one_line_and_a_failure_s_whole_reason()
    {
        var console = new TextHost(120);
        using var session = fixture.NewSession(console);
        var results = session.Run("""
            $key = New-KmsSigningKey -Alias "view-wide-$([Guid]::NewGuid())" @kmsAdmin
            $jwks = [IO.Path]::Combine([IO.Path]::GetTempPath(), "view-$([Guid]::NewGuid()).json")
            $key | Export-KmsPublicKeyPem -Format Jwks -Path $jwks @kmsAdmin
            $valid = New-KmsSignedJwt -KeyId $key.Arn -Subject user-1@example.com @kmsAdmin
            $expired = New-KmsSignedJwt -KeyId $key.Arn -Subject batch-job-42 -IssuedAt '2026-01-01T00:00:00Z' -Lifetime '00:15:00' @kmsAdmin
            $results = @($valid, $expired | Test-KmsSignature -TrustStore $jwks)
            [IO.File]::Delete($jwks)
            $results | Out-Default
            $results
            """).AssertSuccess().Output;
        Assert.Equal(["Valid", "Expired"], results.Select(r => r.Properties["Status"].Value.ToString()));

        var text = System.Text.RegularExpressions.Regex.Replace(console.Text, "\u001b\\[[0-9;]*m", string.Empty);
        var validReason = (string)results[0].Properties["Reason"].Value;
        Assert.Contains(text.Split('\n'), line => line.StartsWith("Valid ", StringComparison.Ordinal) && line.Contains("user-1@example.com")
                                                 && line.TrimEnd().EndsWith(validReason, StringComparison.Ordinal));
        var rows = TableRows(console.Text);
        Assert.Equal(2, rows.Count);
        Assert.Equal("Expired", rows[1]["Status"]);
        Assert.Equal("batch-job-42", rows[1]["Subject/File"]);
        Assert.Equal(Squeezed((string)results[1].Properties["Reason"].Value), Squeezed(rows[1]["Reason"]));
    }

    [Fact]
    public void Detached_signature_table_at_80_columns_shows_the_whole_signature_path()
    {
        var console = new TextHost(80);
        using var session = fixture.NewSession(console);
        var signatures = session.Run("""
            $key = New-KmsSigningKey -Alias "view-sig-$([Guid]::NewGuid())" -KeySpec RSA_2048 @kmsAdmin
            $dir = [IO.Path]::Combine([IO.Path]::GetTempPath(), "view-$([Guid]::NewGuid().ToString('N').Substring(0, 8))", 'release')
            [void][IO.Directory]::CreateDirectory($dir)
            $file = [IO.Path]::Combine($dir, 'app-1.4.0-linux-x64.tar.gz')
            [IO.File]::WriteAllText($file, 'payload')
            $signatures = @(New-KmsSignature -LiteralPath $file -KeyId $key.Arn @kmsAdmin)
            [IO.Directory]::Delete([IO.Path]::GetDirectoryName($dir), $true)
            $signatures | Out-Default
            $signatures
            """).AssertSuccess().Output;

        var row = Assert.Single(TableRows(console.Text));
        Assert.Equal((string)signatures.Single().Properties["SignaturePath"].Value, row["Signature"]);
    }

    // -Message without -Destination writes no file: the row used to show only "ECDSA_SHA_256 RAW", the signature nowhere.
    [Fact]
    public void Detached_signature_table_shows_a_message_signature_made_in_memory()
    {
        var console = new TextHost(120);
        using var session = fixture.NewSession(console);
        var signatures = session.Run("""
            $key = New-KmsSigningKey -Alias "view-msg-$([Guid]::NewGuid())" @kmsAdmin
            $signatures = @(New-KmsSignature -Message ([byte[]](1, 2, 3)) -KeyId $key.Arn @kmsAdmin)
            $signatures | Out-Default
            $signatures
            """).AssertSuccess().Output;

        var row = Assert.Single(TableRows(console.Text));
        Assert.Equal((string)signatures.Single().Properties["SignatureBase64"].Value, row["Signature"]);
    }

    [Fact]
    public void Signer_policy_table_at_120_columns_tells_apart_the_keys_piped_and_shows_every_change()
    {
        var console = new TextHost(120);
        using var session = fixture.NewSession(console);
        var policies = session.Run("""
            $keys = 'one', 'two' | ForEach-Object { New-KmsSigningKey -Alias "view-policy-$_-$([Guid]::NewGuid())" @kmsAdmin }
            $policies = @($keys | Set-KmsSignerPolicy -SignerPrincipal $signerArn -VerifierPrincipal $verifierArn -PassThru -Force @kmsAdmin)
            $policies | Out-Default
            $policies
            """).AssertSuccess().Output;

        var rows = TableRows(console.Text);
        Assert.Equal(policies.Select(p => (string)p.Properties["KeyId"].Value), rows.Select(r => r["KeyId"]));
        Assert.All(rows, r => Assert.Equal(
            Squeezed("Added KmsSignatureSigners; Added KmsSignatureSignersPublicKey; Added KmsSignatureVerifiers"), Squeezed(r["Changes"])));
    }

    // Start-Job and Invoke-Command (remoting) serialize one level deep, as PSSerializer does by default: each change came back as its ToString() text, so
    // the table's Changes column was blank (" ;  ; ") and $result.Changes.Kind / .Sid / .After were gone.
    [Fact]
    public void Signer_policy_from_a_job_or_remoting_keeps_its_changes_and_shows_them_in_the_table()
    {
        var console = new TextHost(120);
        using var session = fixture.NewSession(console);
        var result = session.Run("""
            $key = New-KmsSigningKey -Alias "view-policy-job-$([Guid]::NewGuid())" @kmsAdmin
            $policy = $key | Set-KmsSignerPolicy -SignerPrincipal $signerArn -PassThru -Force @kmsAdmin
            $received = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($policy))
            $received | Out-Default
            $received.Changes | ForEach-Object { "$($_.Kind)|$($_.Sid)|$([bool]$_.After)" }
            """).AssertSuccess().Output.Select(o => o.ToString()).ToArray();

        Assert.Equal(["Added|KmsSignatureSigners|True", "Added|KmsSignatureSignersPublicKey|True"], result);
        var row = Assert.Single(TableRows(console.Text));
        Assert.Equal(Squeezed("Added KmsSignatureSigners; Added KmsSignatureSignersPublicKey"), Squeezed(row["Changes"]));
    }

    [Fact]
    public void Signing_key_table_at_80_columns_shows_an_RSA_key_s_whole_key_id()
    {
        var console = new TextHost(80);
        using var session = fixture.NewSession(console);
        var keys = session.Run("""
            $keys = @(New-KmsSigningKey -Alias "release-signing-$([Guid]::NewGuid().ToString('N').Substring(0, 8))" -KeySpec RSA_2048 @kmsAdmin)
            $keys | Out-Default
            $keys
            """).AssertSuccess().Output;

        var row = Assert.Single(TableRows(console.Text));
        Assert.Equal((string)keys.Single().Properties["KeyId"].Value, row["KeyId"]);
    }

    // Before, the kid (a 75-character key ARN by default) came first: at 80 columns only it and a cut KeySpec showed,
    // and at 120 the thumbprint was still cut.
    [Theory]
    [InlineData(80)]
    [InlineData(120)]
    public void Public_key_table_shows_whole_key_ids_and_at_120_columns_whole_thumbprints(int width)
    {
        var console = new TextHost(width);
        using var session = fixture.NewSession(console);
        var keys = session.Run("""
            $run = [Guid]::NewGuid().ToString('N').Substring(0, 8)
            $keys = @(
                New-KmsSigningKey -Alias "app-jwt-$run" @kmsAdmin
                New-KmsSigningKey -Alias "release-signing-$run" -KeySpec RSA_4096 @kmsAdmin
            ) | Export-KmsPublicKeyPem @kmsAdmin
            $keys | Out-Default
            $keys
            """).AssertSuccess().Output;

        var rows = TableRows(console.Text);
        Assert.Equal(keys.Select(k => (string)k.Properties["KeyId"].Value), rows.Select(r => r["KeyId"]));
        Assert.Equal(["ECC_NIST_P256", "RSA_4096"], rows.Select(r => r["KeySpec"]));
        if (width >= 120)
        {
            Assert.Equal(keys.Select(k => (string)k.Properties["JwkThumbprint"].Value), rows.Select(r => r["JwkThumbprint"]));
        }
    }

    [Fact]
    public void Verification_list_shows_what_to_act_on_first_and_only_the_fields_of_a_token_or_a_file()
    {
        using var session = fixture.NewSession();
        var results = session.Run("""
            $key = New-KmsSigningKey -Alias "view-list-$([Guid]::NewGuid())" @kmsAdmin
            $dir = [IO.Path]::Combine([IO.Path]::GetTempPath(), "view-$([Guid]::NewGuid())")
            [void][IO.Directory]::CreateDirectory($dir)
            $jwks = [IO.Path]::Combine($dir, 'jwks.json')
            $key | Export-KmsPublicKeyPem -Format Jwks -Path $jwks @kmsAdmin
            $file = [IO.Path]::Combine($dir, 'app.tar.gz')
            [IO.File]::WriteAllText($file, 'payload')
            $null = New-KmsSignature -LiteralPath $file -KeyId $key.Arn @kmsAdmin
            [IO.File]::AppendAllText($file, 'changed')
            New-KmsSignedJwt -KeyId $key.Arn -Subject batch-job-42 -IssuedAt '2026-01-01T00:00:00Z' -Lifetime '00:15:00' @kmsAdmin | Test-KmsSignature -TrustStore $jwks
            Test-KmsSignature -LiteralPath $file -TrustStore $jwks
            [IO.Directory]::Delete($dir, $true)
            """).AssertSuccess().Output;

        var token = ListItems(session, results[0]);
        var file = ListItems(session, results[1]);

        Assert.Equal(["Status", "Reason", "KeyId", "Algorithm", "Subject", "ExpiresAt", "Claims", "Header", "KeyFingerprint"], token.Select(i => i.Label));
        Assert.Equal("2026-01-01 00:15:00Z", token.Single(i => i.Label == "ExpiresAt").Value);
        Assert.Equal(["Status", "Reason", "KeyId", "Algorithm", "Path", "SignaturePath", "MessageType", "KeyFingerprint"], file.Select(i => i.Label));
        Assert.Equal("InvalidSignature", file[0].Value);
    }

    // A file name and a token's header are chosen by whoever sent them, and a header needs no valid signature to be shown:
    // raw, "\e[2K" erases the row's InvalidSignature and "\r" forges a line. The views show them as \uXXXX, as reasons do.
    [Fact]
    public void Verification_views_show_control_characters_of_a_file_name_or_a_token_header_escaped()
    {
        var console = new TextHost(120);
        using var session = fixture.NewSession(console);
        var results = session.Run("""
            $key = New-KmsSigningKey -Alias "view-escape-$([Guid]::NewGuid())" @kmsAdmin
            $dir = [IO.Path]::Combine([IO.Path]::GetTempPath(), "view-$([Guid]::NewGuid())")
            [void][IO.Directory]::CreateDirectory($dir)
            $jwks = [IO.Path]::Combine($dir, 'jwks.json')
            $key | Export-KmsPublicKeyPem -Format Jwks -Path $jwks @kmsAdmin
            # Windows refuses control characters in file names; there a file name cannot carry them.
            $name = if ($IsWindows) { 'app.tar.gz' } else { "app`e[2K.tar.gz" }
            $file = [IO.Path]::Combine($dir, $name)
            [IO.File]::WriteAllText($file, 'payload')
            $null = New-KmsSignature -LiteralPath $file -KeyId $key.Arn @kmsAdmin
            [IO.File]::AppendAllText($file, 'changed')
            $header = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes('{"alg":"ES256","kid":"k\u001b[2K\rValid"}')).TrimEnd('=').Replace('+', '-').Replace('/', '_')
            $results = @(Test-KmsSignature -LiteralPath $file -TrustStore $jwks; Test-KmsSignature -InputObject "$header.e30.AAAA" -TrustStore $jwks)
            [IO.Directory]::Delete($dir, $true)
            $results | Out-Default
            $results
            """).AssertSuccess().Output;
        Assert.Equal(["InvalidSignature", "UntrustedKey"], results.Select(r => r.Properties["Status"].Value.ToString()));

        Assert.DoesNotContain("\u001b[2K", console.Text, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal("app\\u001B[2K.tar.gz", TableRows(console.Text)[0]["Subject/File"]);
            Assert.All(ListItems(session, results[0]), i => Assert.DoesNotContain('\u001b', i.Value ?? string.Empty));
        }

        var header = ListItems(session, results[1]).Single(i => i.Label == "Header").Value;
        Assert.Equal("{[alg, ES256], [kid, k\\u001B[2K\\u000DValid]}", header);
    }

    // The key id a result shows is the trust store's kid, which the JWKS's publisher chose: escaped as the token's is.
    [Fact]
    public void Verification_list_shows_control_characters_of_the_trusted_key_s_kid_escaped()
    {
        using var session = fixture.NewSession();
        var result = session.Run("""
            $key = New-KmsSigningKey -Alias "view-kid-$([Guid]::NewGuid())" @kmsAdmin
            $kid = "k`e[2K`rValid"
            # The exported kid is the key ARN.
            $set = (Export-KmsPublicKeyPem -KeyId $key.Arn -Format Jwks @kmsAdmin).Replace("`"$($key.Arn)`"", '"k\u001b[2K\rValid"')
            $jwks = [IO.Path]::Combine([IO.Path]::GetTempPath(), "view-kid-$([Guid]::NewGuid()).json")
            [IO.File]::WriteAllText($jwks, $set)
            $token = New-KmsSignedJwt -KeyId $key.Arn -Header @{ kid = $kid } @kmsAdmin
            try { Test-KmsSignature -InputObject $token.Token -TrustStore $jwks } finally { [IO.File]::Delete($jwks) }
            """).AssertSuccess().Output.Single();
        Assert.Equal("Valid", result.Properties["Status"].Value.ToString());

        Assert.Equal("k\\u001B[2K\\u000DValid", ListItems(session, result).Single(i => i.Label == "KeyId").Value);
    }

    // The items the list view shows for a result, in order (the minimal host has no Format-List): label and value.
    private static List<(string Label, string? Value)> ListItems(PowerShellSession session, System.Management.Automation.PSObject result)
    {
        var type = result.BaseObject.GetType().FullName;
        var view = XDocument.Load(Path.Combine(RepoPaths.ModuleDirectory, "KmsSignature.Verification.Format.ps1xml")).Descendants("View")
            .Single(v => v.Descendants("TypeName").Single().Value == type && v.Element("ListControl") is not null);
        object? Evaluate(string script) => session.Run("$r | ForEach-Object ([scriptblock]::Create($sb))",
            new Dictionary<string, object?> { ["r"] = result, ["sb"] = script }).AssertSuccess().Output.SingleOrDefault()?.BaseObject;

        var items = new List<(string, string?)>();
        foreach (var item in view.Descendants("ListItem"))
        {
            if (item.Element("ItemSelectionCondition") is { } condition
                && !System.Management.Automation.LanguagePrimitives.IsTrue(Evaluate(condition.Element("ScriptBlock")!.Value)))
            {
                continue;
            }

            var property = item.Element("PropertyName")?.Value;
            var value = property is not null ? result.Properties[property].Value : Evaluate(item.Element("ScriptBlock")!.Value);
            items.Add((item.Element("Label")?.Value ?? property!, Shown(value)));
        }

        return items;
    }

    // A value as a list shows it: a collection (not a string) as {item, item}, each item by its ToString.
    private static string? Shown(object? value) => value is System.Collections.IEnumerable items and not string
        ? "{" + string.Join(", ", items.Cast<object?>().Select(i => System.Management.Automation.PSObject.AsPSObject(i ?? string.Empty).ToString())) + "}"
        : value?.ToString();

    // Each row of a rendered table as label -> text, the lines of a wrapped cell joined.
    private static List<Dictionary<string, string>> TableRows(string text)
    {
        // The header is coloured with escape sequences, as in a real console.
        var lines = System.Text.RegularExpressions.Regex.Replace(text, "\u001b\\[[0-9;]*m", string.Empty).Split('\n');
        var dashes = Array.FindIndex(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, "^-+( +-+)* *$"));
        // A label wider than its column wraps over several header lines.
        var headerStart = dashes;
        while (headerStart > 0 && lines[headerStart - 1].Trim().Length > 0)
        {
            headerStart--;
        }

        var starts = new List<(string Label, int Start)>();
        foreach (System.Text.RegularExpressions.Match column in System.Text.RegularExpressions.Regex.Matches(lines[dashes], "-+"))
        {
            var label = string.Concat(lines[headerStart..dashes].Select(l =>
                column.Index < l.Length ? l.Substring(column.Index, Math.Min(column.Length, l.Length - column.Index)).Trim() : string.Empty));
            starts.Add((label, column.Index));
        }

        var rows = new List<Dictionary<string, string>>();
        foreach (var line in lines.Skip(dashes + 1).TakeWhile(l => l.Trim().Length > 0))
        {
            if (line[0] != ' ')
            {
                rows.Add(starts.ToDictionary(s => s.Label, _ => string.Empty));
            }

            for (var i = 0; i < starts.Count; i++)
            {
                var start = starts[i].Start;
                var end = i + 1 < starts.Count ? starts[i + 1].Start : line.Length;
                var cell = start < line.Length ? line[start..Math.Min(end, line.Length)].Trim() : string.Empty;
                rows[^1][starts[i].Label] = (rows[^1][starts[i].Label] + " " + cell).Trim();
            }
        }

        return rows;
    }

    // A wrapped cell breaks anywhere, also inside a word, so compare text without its spaces.
    private static string Squeezed(string text) => string.Concat(text.Where(c => !char.IsWhiteSpace(c)));

    // The column's text as the table shows it: its property or script block, cut to the column's width.
    private static string Column(PowerShellSession session, string formatFile, System.Management.Automation.PSObject result, string label)
    {
        var type = result.BaseObject.GetType().FullName;
        var view = XDocument.Load(Path.Combine(RepoPaths.ModuleDirectory, formatFile)).Descendants("View")
            .Single(v => v.Descendants("TypeName").Single().Value == type && v.Element("TableControl") is not null);
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
