using System.Diagnostics;
using System.Text.Json.Nodes;
using Amazon.KeyManagementService.Model;
using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests.Keys;

public sealed class ExportKmsPublicKeyPemTests(LocalKmsFixture fixture) : IClassFixture<LocalKmsFixture>
{
    private static string Id(ScriptResult r) => Assert.Single(r.Errors).FullyQualifiedErrorId.Split(',')[0];

    // A path in a folder that does not exist yet: the message named the module's temporary file (.kmssig-<guid>.tmp).
    [Fact]
    public async Task A_missing_folder_is_OutputNotWritable_naming_the_folder_not_a_temporary_file()
    {
        var arn = await KmsSdk.CreateKeyAsync(fixture, "ECC_NIST_P256");
        var folder = Path.Combine(Path.GetTempPath(), $"kmssig-missing-{Guid.NewGuid():N}");
        var target = Path.Combine(folder, "key.pem");
        using var session = fixture.NewSession();

        var result = session.Run("Export-KmsPublicKeyPem -KeyId $k -Path $t @kmsAdmin; 'next'", new Dictionary<string, object?> { ["k"] = arn, ["t"] = target });

        var error = Assert.Single(result.Errors);
        Assert.Equal("KmsSignature.OutputNotWritable", Id(result));
        Assert.Equal(System.Management.Automation.ErrorCategory.WriteError, error.CategoryInfo.Category);
        Assert.Equal(target, error.TargetObject);
        Assert.Equal($"Cannot write '{target}': the directory '{folder}' does not exist.", error.Exception.Message);
        Assert.Equal("next", Assert.Single(result.Output).BaseObject);
        Assert.False(Directory.Exists(folder));
    }

    // notes.txt/key.pem said "the directory '.../notes.txt' does not exist", though it does: as a file.
    [Fact]
    public async Task A_path_under_a_file_is_ParentIsFile_naming_that_file()
    {
        var arn = await KmsSdk.CreateKeyAsync(fixture, "ECC_NIST_P256");
        var folder = Directory.CreateTempSubdirectory("kmssig-parent-file").FullName;
        var notes = Path.Combine(folder, "notes.txt");
        File.WriteAllText(notes, "notes");
        var target = Path.Combine(notes, "key.pem");
        try
        {
            using var session = fixture.NewSession();
            var result = session.Run("Export-KmsPublicKeyPem -KeyId $k -Path $t @kmsAdmin; 'next'", new Dictionary<string, object?> { ["k"] = arn, ["t"] = target });

            var error = Assert.Single(result.Errors);
            Assert.Equal("KmsSignature.ParentIsFile", Id(result));
            Assert.Equal(System.Management.Automation.ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
            Assert.Equal(target, error.TargetObject);
            Assert.Equal($"Cannot write '{target}': '{notes}' is a file, not a directory.", error.Exception.Message);
            Assert.Equal("notes", File.ReadAllText(notes));
            Assert.Single(Directory.GetFileSystemEntries(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Pem_is_byte_identical_to_openssl_and_the_object_prints_as_pem()
    {
        var arn = await KmsSdk.CreateKeyAsync(fixture, "ECC_NIST_P256");
        using var admin = KmsSdk.For(fixture, fixture.Kms.Admin);
        var der = (await admin.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = arn })).PublicKey.ToArray();
        var derFile = Path.GetTempFileName();
        await File.WriteAllBytesAsync(derFile, der);
        var openssl = Process.Start(new ProcessStartInfo("openssl", $"pkey -pubin -inform DER -in {derFile}") { RedirectStandardOutput = true })!;
        var expected = await openssl.StandardOutput.ReadToEndAsync();
        await openssl.WaitForExitAsync();
        File.Delete(derFile);

        using var session = fixture.NewSession();
        var vars = new Dictionary<string, object?> { ["k"] = arn };
        var key = Assert.Single(session.Run("Export-KmsPublicKeyPem -KeyId $k @kmsAdmin", vars).Output);
        Assert.Equal(expected, key.Properties["Pem"].Value);
        Assert.Equal(expected, key.BaseObject.ToString());
        var jwk = JsonNode.Parse((string)key.Properties["Jwk"].Value)!;
        Assert.Equal("ES256", (string?)jwk["alg"]);
        Assert.Equal("sig", (string?)jwk["use"]);
        Assert.Equal(arn, (string?)jwk["kid"]);
        Assert.Equal(der, (byte[])Assert.Single(session.Run("Export-KmsPublicKeyPem -KeyId $k -Format Der @kmsAdmin", vars).Output).BaseObject);
        var thumb = Assert.Single(session.Run("Export-KmsPublicKeyPem -KeyId $k -Format Jwk -KeyIdStyle Thumbprint @kmsAdmin", vars).Output);
        // RFC 7638 §3.2: SHA-256 over the required members in lexical order, computed here from the DER, not by the module.
        using var ecdsa = System.Security.Cryptography.ECDsa.Create();
        ecdsa.ImportSubjectPublicKeyInfo(der, out _);
        var point = ecdsa.ExportParameters(false).Q;
        static string B64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var thumbprint = B64Url(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
            $$"""{"crv":"P-256","kty":"EC","x":"{{B64Url(point.X!)}}","y":"{{B64Url(point.Y!)}}"}""")));
        Assert.Equal(thumbprint, key.Properties["JwkThumbprint"].Value);
        Assert.Equal(thumbprint, (string?)JsonNode.Parse((string)thumb.BaseObject)!["kid"]);
    }

    // Every form the export writes is a key source the verifier loads, for every KMS signing key spec: what one cmdlet writes,
    // the other reads, and tokens and detached signatures made with the key verify against it.
    [Theory]
    [InlineData("RSA_2048")]
    [InlineData("RSA_3072")]
    [InlineData("RSA_4096")]
    [InlineData("ECC_NIST_P256")]
    [InlineData("ECC_NIST_P384")]
    [InlineData("ECC_NIST_P521")]
    [InlineData("ECC_SECG_P256K1")]
    [InlineData("ECC_NIST_EDWARDS25519")]
    [InlineData("ML_DSA_44")]
    [InlineData("ML_DSA_65")]
    [InlineData("ML_DSA_87")]
    public async Task Every_exported_form_verifies_tokens_and_detached_signatures_made_with_the_key(string spec)
    {
        var arn = await KmsSdk.CreateKeyAsync(fixture, spec);
        var dir = Directory.CreateTempSubdirectory().FullName;
        using var session = fixture.NewSession();
        var statuses = session.Run("""
            $jwk = Export-KmsPublicKeyPem -KeyId $k -Format Jwk @kmsAdmin
            $object = Export-KmsPublicKeyPem -KeyId $k @kmsAdmin
            Export-KmsPublicKeyPem -KeyId $k -Format Jwks -KeyIdStyle Thumbprint -Path "$d/jwks.json" @kmsAdmin
            Export-KmsPublicKeyPem -KeyId $k -Format Jwk -Path "$d/key.jwk" @kmsAdmin
            Export-KmsPublicKeyPem -KeyId $k -Path "$d/key.pem" @kmsAdmin
            Export-KmsPublicKeyPem -KeyId $k -Format Der -Path "$d/key.der" @kmsAdmin
            $jwt = New-KmsSignedJwt -KeyId $k -Subject s @kmsAdmin
            $byThumbprint = New-KmsSignedJwt -KeyId $k -Subject s -KeyIdStyle Thumbprint @kmsAdmin
            $message = [byte[]](1, 2, 3)
            $sig = New-KmsSignature -Message $message -KeyId $k @kmsAdmin
            foreach ($key in @($jwk, $object, $object.Pem, "$d/key.jwk", "$d/key.pem", "$d/key.der")) {
                (Test-KmsSignature -Token $jwt.Token -PublicKey $key).Status
                (Test-KmsSignature -Message $message -Signature $sig.Signature -PublicKey $key -Algorithm $sig.Algorithm).Status
            }
            (Test-KmsSignature -Token $byThumbprint.Token -TrustStore "$d/jwks.json").Status
            (Test-KmsSignature -Message $message -Signature $sig.Signature -TrustStore "$d/jwks.json" -Algorithm $sig.Algorithm).Status
            """, new Dictionary<string, object?> { ["k"] = arn, ["d"] = dir }).AssertSuccess().Output.Select(o => o.ToString());

        Assert.Equal(Enumerable.Repeat("Valid", 14), statuses);
        Directory.Delete(dir, recursive: true);
    }

    // ValidateSet accepts -Format jwks and passes that spelling on: the cmdlet took it for no -Format at all, printed
    // KmsPublicKey objects and wrote a PEM bundle into the .json or .jwk file.
    [Fact]
    public async Task Format_is_case_insensitive_as_its_ValidateSet_is()
    {
        var a = await KmsSdk.CreateKeyAsync(fixture, "ECC_NIST_P256");
        var b = await KmsSdk.CreateKeyAsync(fixture, "ECC_NIST_P384");
        var dir = Directory.CreateTempSubdirectory().FullName;
        using var session = fixture.NewSession();
        var vars = new Dictionary<string, object?> { ["a"] = a, ["b"] = b, ["jwks"] = Path.Combine(dir, "jwks.json"), ["jwk"] = Path.Combine(dir, "key.jwk") };

        var jwk = (string)Assert.Single(session.Run("Export-KmsPublicKeyPem -KeyId $a -Format jwk @kmsAdmin", vars).AssertSuccess().Output).BaseObject;
        Assert.Equal(a, (string?)JsonNode.Parse(jwk)!["kid"]);
        var printed = (string)Assert.Single(session.Run("Export-KmsPublicKeyPem -KeyId $a, $b -Format JWKS @kmsAdmin", vars).AssertSuccess().Output).BaseObject;
        Assert.Equal(2, JsonNode.Parse(printed)!["keys"]!.AsArray().Count);
        Assert.IsType<byte[]>(Assert.Single(session.Run("Export-KmsPublicKeyPem -KeyId $a -Format der @kmsAdmin", vars).AssertSuccess().Output).BaseObject);

        session.Run("Export-KmsPublicKeyPem -KeyId $a, $b -Format jwks -Path $jwks @kmsAdmin", vars).AssertSuccess();
        Assert.Equal(2, JsonNode.Parse(await File.ReadAllTextAsync((string)vars["jwks"]!))!["keys"]!.AsArray().Count);
        session.Run("Export-KmsPublicKeyPem -KeyId $a -Format jwk -Path $jwk @kmsAdmin", vars).AssertSuccess();
        Assert.Equal(a, (string?)JsonNode.Parse(await File.ReadAllTextAsync((string)vars["jwk"]!))!["kid"]);
        Assert.Equal("KmsSignature.TooManyKeysForFormat", Id(session.Run("Export-KmsPublicKeyPem -KeyId $a, $b -Format jwk -Path $jwk -Force @kmsAdmin", vars)));
        Directory.Delete(dir, recursive: true);
    }

    // As Set-Content and Out-File do, -Force through a symbolic link replaces the file it points to; the atomic rename
    // replaced the link itself with a regular file and left the linked file as it was.
    [Fact]
    public async Task Force_through_a_symbolic_link_writes_the_file_it_points_to_and_keeps_the_link()
    {
        var arn = await KmsSdk.CreateKeyAsync(fixture, "ECC_NIST_P256");
        var dir = Directory.CreateTempSubdirectory().FullName;
        var real = Path.Combine(dir, "release-2026.pem");
        await File.WriteAllTextAsync(real, "old");
        var link = Path.Combine(dir, "current.pem");
        File.CreateSymbolicLink(link, "release-2026.pem");
        using var session = fixture.NewSession();

        session.Run("Export-KmsPublicKeyPem -KeyId $k -Path $p -Force @kmsAdmin", new Dictionary<string, object?> { ["k"] = arn, ["p"] = link }).AssertSuccess();

        Assert.Equal("release-2026.pem", new FileInfo(link).LinkTarget);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", await File.ReadAllTextAsync(real));
        Assert.Equal(2, Directory.GetFiles(dir).Length); // no temp files left
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public async Task Jwks_of_piped_keys_and_atomic_file_writes()
    {
        var a = await KmsSdk.CreateKeyAsync(fixture, "ECC_NIST_P384", alias: "alias/jwks-a");
        var b = await KmsSdk.CreateKeyAsync(fixture, "ECC_NIST_EDWARDS25519", alias: "alias/jwks-b");
        var dir = Directory.CreateTempSubdirectory().FullName;
        var path = Path.Combine(dir, "keys.json");
        using var session = fixture.NewSession();
        var vars = new Dictionary<string, object?> { ["path"] = path };
        session.Run("Get-KmsSigningKey -Alias 'alias/jwks-*' @kmsAdmin | Export-KmsPublicKeyPem -Format Jwks -KeyIdStyle Alias -Path $path @kmsAdmin", vars).AssertSuccess();
        var keys = JsonNode.Parse(await File.ReadAllTextAsync(path))!["keys"]!.AsArray();
        Assert.Equal(new[] { "alias/jwks-a", "alias/jwks-b" }, keys.Select(k => (string?)k!["kid"]).Order());
        // Keys with one JWS alg keep it pinned: ES384 for P-384, Ed25519 (RFC 9864) for Ed25519.
        Assert.Equal(new[] { "ES384", "Ed25519" }, keys.OrderBy(k => (string?)k!["kid"]).Select(k => (string?)k!["alg"]));

        var exists = session.Run("Export-KmsPublicKeyPem -KeyId alias/jwks-a -Path $path @kmsAdmin", vars);
        Assert.Equal("KmsSignature.OutputFileExists", Id(exists));
        Assert.Contains("keys", await File.ReadAllTextAsync(path));
        session.Run("Export-KmsPublicKeyPem -KeyId alias/jwks-a -Path $path -Force @kmsAdmin", vars).AssertSuccess();
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", await File.ReadAllTextAsync(path));
        Assert.Single(Directory.GetFiles(dir)); // no temp files left

        // Unwritable: root ignores directory permissions, so use /proc there.
        var locked = Directory.CreateTempSubdirectory().FullName;
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        }

        var target = Environment.UserName == "root" ? "/proc/kms-key.pem" : Path.Combine(locked, "key.pem");
        var unwritable = session.Run("Export-KmsPublicKeyPem -KeyId alias/jwks-a -Path $t @kmsAdmin", new Dictionary<string, object?> { ["t"] = target });
        Assert.Equal("KmsSignature.OutputNotWritable", Id(unwritable));
        Assert.False(File.Exists(target));
        Assert.Empty(Directory.GetFiles(locked));

        var whatIf = Path.Combine(dir, "whatif.pem");
        session.Run("Export-KmsPublicKeyPem -KeyId alias/jwks-b -Path $p -WhatIf @kmsAdmin", new Dictionary<string, object?> { ["p"] = whatIf }).AssertSuccess();
        Assert.False(File.Exists(whatIf));
    }

    [Fact]
    public async Task A_path_of_another_provider_is_refused_before_any_KMS_call_and_no_file_is_written()
    {
        var arn = await KmsSdk.CreateKeyAsync(fixture);
        using var session = fixture.NewSession();
        var calls = fixture.Kms.Counters.Count("GetPublicKey");
        var result = session.Run("Export-KmsPublicKeyPem -KeyId $k -Format Jwks -Path Variable:\\export-provider-probe @kmsAdmin",
            new Dictionary<string, object?> { ["k"] = arn });

        var error = result.TerminatingRecord ?? Assert.Single(result.Errors);
        Assert.Equal("KmsSignature.NotAFileSystemPath", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(System.Management.Automation.ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal("Variable:\\export-provider-probe", error.TargetObject);
        // The provider path "export-provider-probe" must never become a file in the process's working directory.
        Assert.False(File.Exists(Path.Combine(Environment.CurrentDirectory, "export-provider-probe")));
        Assert.Equal(calls, fixture.Kms.Counters.Count("GetPublicKey"));
    }

    // Nothing can be written to a directory, with or without -Force: the keys were all fetched first, and -WhatIf said it
    // would write the directory.
    [Fact]
    public async Task A_directory_path_is_refused_before_any_KMS_call()
    {
        var arn = await KmsSdk.CreateKeyAsync(fixture);
        var dir = Directory.CreateTempSubdirectory().FullName;
        using var session = fixture.NewSession();
        var calls = fixture.Kms.Counters.Count("GetPublicKey");
        foreach (var switches in new[] { "", "-Force", "-WhatIf", "-Format Jwks -Force" })
        {
            var result = session.Run($"Export-KmsPublicKeyPem -KeyId $k -Path $d {switches} @kmsAdmin", new Dictionary<string, object?> { ["k"] = arn, ["d"] = dir });

            var error = result.TerminatingRecord ?? Assert.Single(result.Errors);
            Assert.Equal("KmsSignature.PathIsDirectory", error.FullyQualifiedErrorId.Split(',')[0]);
            Assert.Equal(System.Management.Automation.ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
            Assert.Equal(dir, error.TargetObject);
            Assert.Empty(result.Output);
        }

        Assert.Equal(calls, fixture.Kms.Counters.Count("GetPublicKey"));
        Assert.Empty(Directory.GetFileSystemEntries(dir));
        Directory.Delete(dir);
    }

    // -Path keys/ for a folder not made yet: the keys were fetched and written to a file named "keys".
    [Fact]
    public async Task A_path_that_ends_with_a_separator_is_refused_before_any_KMS_call()
    {
        var arn = await KmsSdk.CreateKeyAsync(fixture);
        var dir = Directory.CreateTempSubdirectory().FullName;
        using var session = fixture.NewSession();
        var calls = fixture.Kms.Counters.Count("GetPublicKey");

        var result = session.Run("Export-KmsPublicKeyPem -KeyId $k -Path \"$d/keys/\" -Force @kmsAdmin", new Dictionary<string, object?> { ["k"] = arn, ["d"] = dir });

        var error = result.TerminatingRecord ?? Assert.Single(result.Errors);
        Assert.Equal("KmsSignature.PathIsDirectory", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(System.Management.Automation.ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal(calls, fixture.Kms.Counters.Count("GetPublicKey"));
        Assert.Empty(Directory.GetFileSystemEntries(dir));
        Directory.Delete(dir);
    }

    [Fact]
    public void No_key_in_the_pipeline_writes_nothing_and_says_so()
    {
        // `Get-KmsSigningKey -Alias 'app-*' | Export-KmsPublicKeyPem -Format Jwks -Path jwks.json` when no alias matches.
        var dir = Directory.CreateTempSubdirectory().FullName;
        var existing = Path.Combine(dir, "jwks.json");
        File.WriteAllText(existing, "{\"keys\":[]}");
        using var session = fixture.NewSession();
        var vars = new Dictionary<string, object?> { ["old"] = existing, ["new"] = Path.Combine(dir, "new.json") };

        var toOld = session.Run("@() | Export-KmsPublicKeyPem -Format Jwks -Path $old -Force @kmsAdmin", vars).AssertSuccess();
        Assert.Contains("still holds its earlier keys", Assert.Single(toOld.Warnings), StringComparison.Ordinal);
        var toNew = session.Run("@() | Export-KmsPublicKeyPem -Path $new @kmsAdmin", vars).AssertSuccess();
        Assert.Contains("was not written", Assert.Single(toNew.Warnings), StringComparison.Ordinal);
        var printed = session.Run("@() | Export-KmsPublicKeyPem -Format Jwks @kmsAdmin", vars).AssertSuccess();
        Assert.Empty(printed.Output);
        Assert.Single(printed.Warnings);

        Assert.Equal("{\"keys\":[]}", File.ReadAllText(existing));
        Assert.False(File.Exists(Path.Combine(dir, "new.json")));
        Assert.Empty(session.Run("@() | Export-KmsPublicKeyPem @kmsAdmin").AssertSuccess().Warnings); // PEM to the pipeline: nothing in, nothing out
        Directory.Delete(dir, recursive: true);
    }

    // A $null (an unset variable) or an empty string (a blank line of Get-Content) among the piped key ids failed the
    // parameter's validation, an error the cmdlet never saw: the JWKS or PEM bundle was written without that key.
    [Fact]
    public async Task A_null_or_empty_piped_key_id_is_an_error_and_no_bundle_is_written()
    {
        var arn = await KmsSdk.CreateKeyAsync(fixture, "ECC_NIST_P256");
        var dir = Directory.CreateTempSubdirectory().FullName;
        using var session = fixture.NewSession();
        var vars = new Dictionary<string, object?> { ["k"] = arn };
        foreach (var (input, file) in new[] { ("$k, $null", "null.json"), ("$k, ''", "empty.json"), ("$null, $k", "first.pem") })
        {
            var format = file.EndsWith(".json", StringComparison.Ordinal) ? "-Format Jwks" : string.Empty;
            var result = session.Run($"{input} | Export-KmsPublicKeyPem {format} -Path $p @kmsAdmin",
                new Dictionary<string, object?> { ["k"] = arn, ["p"] = Path.Combine(dir, file) });
            Assert.Equal(["KmsSignature.InvalidKeyIdentifier", "KmsSignature.OutputNotWritten"],
                result.Errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0]));
            Assert.False(File.Exists(Path.Combine(dir, file)), input);
        }

        // Printed, too: no JWKS for `| Set-Content` that lacks a key.
        var printed = session.Run("$k, $null | Export-KmsPublicKeyPem -Format Jwks @kmsAdmin", vars);
        Assert.Empty(printed.Output);
        Assert.Equal("KmsSignature.InvalidKeyIdentifier", printed.Errors[0].FullyQualifiedErrorId.Split(',')[0]);

        // Streamed formats go on past the bad item, as for any key that fails.
        var streamed = session.Run("$null, $k | Export-KmsPublicKeyPem -Format Pem @kmsAdmin", vars);
        Assert.Single(streamed.Output);
        Assert.Equal("KmsSignature.InvalidKeyIdentifier", Id(streamed));
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public async Task A_key_that_arrives_twice_is_one_entry_of_the_jwks_and_one_jwk_file()
    {
        // Two aliases of one key both match the pattern, so Get-KmsSigningKey returns the key twice.
        var arn = await KmsSdk.CreateKeyAsync(fixture, alias: "alias/twice-a");
        using (var admin = KmsSdk.For(fixture, fixture.Kms.Admin))
        {
            await admin.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/twice-b", TargetKeyId = arn });
        }

        var dir = Directory.CreateTempSubdirectory().FullName;
        using var session = fixture.NewSession();
        var vars = new Dictionary<string, object?> { ["k"] = arn, ["jwks"] = Path.Combine(dir, "jwks.json"), ["jwk"] = Path.Combine(dir, "key.jwk") };
        Assert.Equal(2, session.Run("@(Get-KmsSigningKey -Alias 'twice-*' @kmsAdmin).Count", vars).AssertSuccess().Output[0].BaseObject);

        session.Run("Get-KmsSigningKey -Alias 'twice-*' @kmsAdmin | Export-KmsPublicKeyPem -Format Jwks -Path $jwks @kmsAdmin", vars).AssertSuccess();
        var entry = Assert.Single(JsonNode.Parse(await File.ReadAllTextAsync((string)vars["jwks"]!))!["keys"]!.AsArray())!;
        Assert.Equal(arn, (string?)entry["kid"]);
        var printed = (string)Assert.Single(session.Run("Export-KmsPublicKeyPem -KeyId $k, alias/twice-a -Format Jwks @kmsAdmin", vars).AssertSuccess().Output).BaseObject;
        Assert.Single(JsonNode.Parse(printed)!["keys"]!.AsArray());

        // One key named two ways is one JWK, not TooManyKeysForFormat.
        session.Run("Export-KmsPublicKeyPem -KeyId $k, alias/twice-b -Format Jwk -Path $jwk @kmsAdmin", vars).AssertSuccess();
        Assert.Equal(arn, (string?)JsonNode.Parse(await File.ReadAllTextAsync((string)vars["jwk"]!))!["kid"]);

        // Different kids for one key (-KeyIdStyle Alias with each alias) are different entries: tokens may carry either.
        var byAlias = (string)Assert.Single(session.Run("Export-KmsPublicKeyPem -KeyId alias/twice-a, alias/twice-b -Format Jwks -KeyIdStyle Alias @kmsAdmin", vars).AssertSuccess().Output).BaseObject;
        Assert.Equal(new[] { "alias/twice-a", "alias/twice-b" }, JsonNode.Parse(byAlias)!["keys"]!.AsArray().Select(k => (string?)k!["kid"]));
    }

    // PEM and DER carry no kid: one key named by two of its aliases with -KeyIdStyle Alias was two PEM blocks of one key, and
    // TooManyKeysForFormat for a DER file.
    [Fact]
    public async Task A_key_under_two_kids_is_one_pem_block_and_one_der_file()
    {
        var arn = await KmsSdk.CreateKeyAsync(fixture, alias: "alias/two-kids-a");
        using var admin = KmsSdk.For(fixture, fixture.Kms.Admin);
        await admin.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/two-kids-b", TargetKeyId = arn });

        var dir = Directory.CreateTempSubdirectory().FullName;
        using var session = fixture.NewSession();
        var vars = new Dictionary<string, object?> { ["pem"] = Path.Combine(dir, "keys.pem"), ["der"] = Path.Combine(dir, "key.der") };

        var written = session.Run("Export-KmsPublicKeyPem -KeyId alias/two-kids-a, alias/two-kids-b -KeyIdStyle Alias -Path $pem -PassThru @kmsAdmin", vars).AssertSuccess();
        var pem = await File.ReadAllTextAsync((string)vars["pem"]!);
        Assert.Equal(pem, Assert.Single(written.Output).Properties["Pem"].Value);
        session.Run("Export-KmsPublicKeyPem -KeyId alias/two-kids-a, alias/two-kids-b -KeyIdStyle Alias -Format Der -Path $der @kmsAdmin", vars).AssertSuccess();
        Assert.Equal((await admin.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = arn })).PublicKey.ToArray(), await File.ReadAllBytesAsync((string)vars["der"]!));

        // A JWK holds the kid: two kids are two JWKs, which one JWK file cannot hold.
        Assert.Equal("KmsSignature.TooManyKeysForFormat",
            Id(session.Run("Export-KmsPublicKeyPem -KeyId alias/two-kids-a, alias/two-kids-b -KeyIdStyle Alias -Format Jwk -Path $der -Force @kmsAdmin", vars)));
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public async Task Rsa_jwks_pins_no_alg_so_tokens_the_module_signs_with_any_rsa_alg_verify_against_it()
    {
        var arn = await KmsSdk.CreateKeyAsync(fixture, "RSA_2048");
        var path = Path.Combine(Directory.CreateTempSubdirectory().FullName, "jwks.json");
        using var session = fixture.NewSession();
        var vars = new Dictionary<string, object?> { ["k"] = arn, ["p"] = path };
        session.Run("Export-KmsPublicKeyPem -KeyId $k -Format Jwks -Path $p @kmsAdmin", vars).AssertSuccess();
        var jwk = Assert.Single(JsonNode.Parse(await File.ReadAllTextAsync(path))!["keys"]!.AsArray())!;
        Assert.Null(jwk["alg"]);
        Assert.Equal("sig", (string?)jwk["use"]);
        Assert.Null(Assert.Single(session.Run("Export-KmsPublicKeyPem -KeyId $k @kmsAdmin", vars).Output).Properties["JwtAlgorithm"].Value);

        var statuses = session.Run("""
            foreach ($alg in 'PS256', 'RS512', 'RS256') {
                $jwt = New-KmsSignedJwt -KeyId $k -Algorithm $alg -Subject s @kmsAdmin
                "$alg " + (Test-KmsSignature -Token $jwt.Token -TrustStore $p).Status
            }
            """, vars).AssertSuccess().Output.Select(o => o.BaseObject.ToString());
        Assert.Equal(new[] { "PS256 Valid", "RS512 Valid", "RS256 Valid" }, statuses);
    }

    [Fact]
    public async Task Algorithm_pins_the_exported_alg_and_one_that_does_not_fit_the_key_is_an_error()
    {
        var rsa = await KmsSdk.CreateKeyAsync(fixture, "RSA_2048");
        var ec = await KmsSdk.CreateKeyAsync(fixture, "ECC_NIST_P256");
        var dir = Directory.CreateTempSubdirectory().FullName;
        var pinned = Path.Combine(dir, "pinned.json");
        using var session = fixture.NewSession();
        var vars = new Dictionary<string, object?> { ["rsa"] = rsa, ["ec"] = ec, ["p"] = pinned, ["mixed"] = Path.Combine(dir, "mixed.json") };

        var key = Assert.Single(session.Run("Export-KmsPublicKeyPem -KeyId $rsa -Algorithm PS256 @kmsAdmin", vars).AssertSuccess().Output);
        Assert.Equal("PS256", key.Properties["JwtAlgorithm"].Value);
        Assert.Equal("PS256", (string?)JsonNode.Parse((string)key.Properties["Jwk"].Value)!["alg"]);
        session.Run("Export-KmsPublicKeyPem -KeyId $rsa -Algorithm PS256 -Format Jwks -Path $p @kmsAdmin", vars).AssertSuccess();
        var statuses = session.Run("""
            foreach ($alg in 'PS256', 'RS512') {
                $jwt = New-KmsSignedJwt -KeyId $rsa -Algorithm $alg @kmsAdmin
                "$alg " + (Test-KmsSignature -Token $jwt.Token -TrustStore $p).Status
            }
            """, vars).AssertSuccess().Output.Select(o => o.BaseObject.ToString());
        Assert.Equal(new[] { "PS256 Valid", "RS512 AlgorithmNotAllowed" }, statuses);

        var misfit = session.Run("Export-KmsPublicKeyPem -KeyId $ec -Algorithm PS256 @kmsAdmin", vars);
        var error = Assert.Single(misfit.Errors);
        Assert.Equal("KmsSignature.AlgorithmDoesNotFitKey", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(System.Management.Automation.ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Contains("ES256", error.ToString());
        Assert.Empty(misfit.Output);

        // In a JWKS of several keys, one key the alg does not fit means no file at all.
        var mixed = session.Run("Export-KmsPublicKeyPem -KeyId $rsa, $ec -Algorithm RS384 -Format Jwks -Path $mixed @kmsAdmin", vars);
        Assert.Contains(mixed.Errors, e => e.FullyQualifiedErrorId.StartsWith("KmsSignature.AlgorithmDoesNotFitKey,", StringComparison.Ordinal));
        Assert.Contains(mixed.Errors, e => e.FullyQualifiedErrorId.StartsWith("KmsSignature.OutputNotWritten,", StringComparison.Ordinal));
        Assert.False(File.Exists((string)vars["mixed"]!));

        var completions = session.Run("(TabExpansion2 -inputScript 'Export-KmsPublicKeyPem -Algorithm PS' -cursorColumn 36).CompletionMatches.CompletionText").AssertSuccess();
        Assert.Equal(new[] { "PS256", "PS384", "PS512" }, completions.Output.Select(o => o.BaseObject.ToString()));
    }

    [Fact]
    public async Task Disabled_pending_deletion_and_encrypt_keys_are_errors_and_no_file_is_written()
    {
        var disabled = await KmsSdk.CreateKeyAsync(fixture);
        var deleted = await KmsSdk.CreateKeyAsync(fixture);
        var encrypt = await KmsSdk.CreateKeyAsync(fixture, "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT");
        using (var admin = KmsSdk.For(fixture, fixture.Kms.Admin))
        {
            await admin.DisableKeyAsync(new DisableKeyRequest { KeyId = disabled });
            await admin.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = deleted, PendingWindowInDays = 7 });
        }

        using var session = fixture.NewSession();
        string Run(string k) => Id(session.Run("Export-KmsPublicKeyPem -KeyId $k @kmsAdmin", new Dictionary<string, object?> { ["k"] = k }));
        Assert.Equal("KmsSignature.KmsDisabled", Run(disabled));
        Assert.Equal("KmsSignature.KmsInvalidState", Run(deleted));
        Assert.Equal("KmsSignature.KmsUnsupportedOperation", Run(encrypt)); // KMS itself refuses GetPublicKey on symmetric keys

        var good = await KmsSdk.CreateKeyAsync(fixture);
        var path = Path.Combine(Directory.CreateTempSubdirectory().FullName, "bundle.pem");
        var partial = session.Run("Export-KmsPublicKeyPem -KeyId $a, $b -Path $p @kmsAdmin", new Dictionary<string, object?> { ["a"] = good, ["b"] = disabled, ["p"] = path });
        Assert.Contains(partial.Errors, e => e.FullyQualifiedErrorId.StartsWith("KmsSignature.OutputNotWritten"));
        Assert.False(File.Exists(path));

        // A JWKS printed for `| Set-Content jwks.json` is the same document: none rather than one missing a key.
        var printed = session.Run("Export-KmsPublicKeyPem -KeyId $a, $b -Format Jwks @kmsAdmin", new Dictionary<string, object?> { ["a"] = good, ["b"] = disabled });
        Assert.Empty(printed.Output);
        Assert.Equal(new[] { "KmsSignature.KmsDisabled", "KmsSignature.OutputNotWritten" }, printed.Errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0]));
        Assert.Equal(System.Management.Automation.ErrorCategory.InvalidResult, printed.Errors[1].CategoryInfo.Category);
        Assert.Equal(new[] { disabled }, (string[])printed.Errors[1].TargetObject);

        // -Path with the only key failing: no file, and the same error that says so.
        var only = session.Run("Export-KmsPublicKeyPem -KeyId $b -Path $p @kmsAdmin", new Dictionary<string, object?> { ["b"] = disabled, ["p"] = path });
        Assert.Equal(new[] { "KmsSignature.KmsDisabled", "KmsSignature.OutputNotWritten" }, only.Errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0]));
        Assert.False(File.Exists(path));
    }
}
