using System.Management.Automation;
using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests;

/// <summary>An unusable key source is a terminating error with a stable ErrorId; private keys are never echoed.</summary>
public sealed class TestKmsSignatureKeySourceTests : IDisposable
{
    private readonly PowerShellSession session = new();

    private static string Fixture(string relative) => Path.Combine(RepoPaths.Fixtures, relative);

    public void Dispose() => session.Dispose();

    // try/catch catches terminating errors only: a non-terminating WriteError would leave the output empty.
    private ErrorRecord Terminating(string script, Dictionary<string, object?> variables)
    {
        var result = session.Run("try { $null = & { " + script + " } } catch { $_ }", variables);
        return Assert.IsType<ErrorRecord>(Assert.Single(result.Output).BaseObject);
    }

    [Theory]
    [InlineData("bad/private-key.pem", "KmsSignature.PrivateKeyNotAllowed", ErrorCategory.InvalidArgument)]
    [InlineData("bad/certificate.pem", "KmsSignature.CertificateNotSupported", ErrorCategory.InvalidData)]
    [InlineData("bad/p224.pem", "KmsSignature.UnsupportedKeyType", ErrorCategory.InvalidData)]
    [InlineData("bad/rsa1024.pem", "KmsSignature.UnsupportedKeyType", ErrorCategory.InvalidData)]
    [InlineData("bad/x25519.pem", "KmsSignature.UnsupportedKeyType", ErrorCategory.InvalidData)]
    [InlineData("bad/garbage.bin", "KmsSignature.InvalidPublicKey", ErrorCategory.InvalidData)]
    [InlineData("keys/missing.pem", "KmsSignature.PublicKeyNotFound", ErrorCategory.ObjectNotFound)]
    public void Unusable_public_key_file_is_terminating(string file, string errorId, ErrorCategory category)
    {
        var record = Terminating("'a.b.c' | Test-KmsSignature -PublicKey $key", new() { ["key"] = Fixture(file) });

        Assert.Equal(errorId, record.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(category, record.CategoryInfo.Category);
    }

    // -PublicKey (Get-Content key.pem) hands over the file's lines (the hosted engine has no Get-Content; ReadAllLines
    // gives the same string[]): they are one key text, not a key per line. Paths and whole texts still count one each.
    [Theory]
    [InlineData("keys/p256.pem")]
    [InlineData("keys/p256.jwk.json")]
    [InlineData("keys/jwks.json")]
    public void Key_file_lines_as_get_content_returns_them_are_one_key_text(string key)
    {
        var result = session.Run("Test-KmsSignature -LiteralPath $file -SignaturePath $sig -PublicKey ([IO.File]::ReadAllLines($key))",
            new Dictionary<string, object?>
            {
                ["file"] = Fixture("files/message.txt"),
                ["sig"] = Fixture("files/message.txt.p256.der.sig"),
                ["key"] = Fixture(key),
            }).AssertSuccess();

        Assert.Equal("Valid", result.Output.Single().Properties["Status"].Value.ToString());
    }

    [Fact]
    public void Lines_of_two_pem_files_paths_and_whole_texts_give_both_keys()
    {
        var result = session.Run(
            "Test-KmsSignature -LiteralPath $file -SignaturePath $sig -PublicKey ([IO.File]::ReadAllLines($rsa) + [IO.File]::ReadAllLines($key)); " +
            "Test-KmsSignature -LiteralPath $file -SignaturePath $sig -PublicKey $rsa, $key; " +
            "Test-KmsSignature -LiteralPath $file -SignaturePath $sig -PublicKey ([IO.File]::ReadAllText($rsa)), ([IO.File]::ReadAllText($key))",
            new Dictionary<string, object?>
            {
                ["file"] = Fixture("files/message.txt"),
                ["sig"] = Fixture("files/message.txt.p256.der.sig"),
                ["key"] = Fixture("keys/p256.pem"),
                ["rsa"] = Fixture("keys/rsa2048.pem"),
            }).AssertSuccess();

        Assert.Equal(["Valid", "Valid", "Valid"], result.Output.Select(o => o.Properties["Status"].Value.ToString()));
    }

    // Get-Content returns a blank line as an empty string: a bundle with a blank line between its keys, or a JWKS with one
    // between its members, is still the lines of one key file, not an empty -PublicKey.
    [Fact]
    public void Key_file_lines_with_a_blank_line_are_one_key_text()
    {
        var lines = File.ReadAllLines(Fixture("keys/rsa2048.pem")).Append("").Concat(File.ReadAllLines(Fixture("keys/p256.pem"))).ToArray();
        var result = session.Run("Test-KmsSignature -LiteralPath $file -SignaturePath $sig -PublicKey $lines",
            new Dictionary<string, object?>
            {
                ["file"] = Fixture("files/message.txt"),
                ["sig"] = Fixture("files/message.txt.p256.der.sig"),
                ["lines"] = lines,
            }).AssertSuccess();

        Assert.Equal("Valid", result.Output.Single().Properties["Status"].Value.ToString());
    }

    [Fact]
    public void Private_key_lines_are_refused()
    {
        var record = Terminating("Test-KmsSignature -Token 'a.b.c' -PublicKey ([IO.File]::ReadAllLines($key))",
            new() { ["key"] = Fixture("bad/private-key.pem") });

        Assert.StartsWith("KmsSignature.PrivateKeyNotAllowed", record.FullyQualifiedErrorId);
    }

    [Fact]
    public void Private_key_text_is_refused_and_never_echoed()
    {
        var pem = File.ReadAllText(Fixture("bad/private-key.pem"));
        var record = Terminating("Test-KmsSignature -Token 'a.b.c' -PublicKey $pem", new() { ["pem"] = pem });

        Assert.StartsWith("KmsSignature.PrivateKeyNotAllowed", record.FullyQualifiedErrorId);
        var body = pem.Split('\n')[1];
        Assert.DoesNotContain(body, record.ToString());
        Assert.DoesNotContain(body, record.TargetObject?.ToString() ?? "");
    }

    [Fact]
    public void Binary_garbage_given_as_pem_text_is_terminating()
    {
        var record = Terminating("Test-KmsSignature -Token 'a.b.c' -PublicKey $pem",
            new() { ["pem"] = File.ReadAllText(Fixture("bad/garbage-body.pem")) });

        Assert.StartsWith("KmsSignature.InvalidPublicKey", record.FullyQualifiedErrorId);
    }

    [Fact]
    public void Ed25519_key_that_is_no_curve_point_is_a_terminating_InvalidPublicKey_naming_the_file()
    {
        var dir = Directory.CreateTempSubdirectory("kms-ed-");
        try
        {
            var key = Path.Combine(dir.FullName, "ed.der");
            File.WriteAllBytes(key, [.. Convert.FromHexString("302a300506032b6570032100ED"), .. Enumerable.Repeat((byte)0xFF, 30), 0x7F]);

            foreach (var parameter in new[] { "-PublicKey", "-TrustStore" })
            {
                var record = Terminating($"Test-KmsSignature -Token 'a.b.c' {parameter} $key", new() { ["key"] = key });

                Assert.Equal("KmsSignature.InvalidPublicKey", record.FullyQualifiedErrorId.Split(',')[0]);
                Assert.Equal(ErrorCategory.InvalidData, record.CategoryInfo.Category);
                Assert.Contains(key, record.TargetObject?.ToString());
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Public_key_object_it_cannot_read_is_the_error_target()
    {
        var directory = Terminating("Test-KmsSignature -Token 'a.b.c' -PublicKey ([IO.DirectoryInfo]::new($dir))",
            new() { ["dir"] = Fixture("keys") });
        var number = Terminating("Test-KmsSignature -Token 'a.b.c' -PublicKey 42", new());

        Assert.StartsWith("KmsSignature.PathIsDirectory", directory.FullyQualifiedErrorId);
        Assert.Equal(Fixture("keys"), directory.TargetObject);
        Assert.StartsWith("KmsSignature.InvalidPublicKey", number.FullyQualifiedErrorId);
        Assert.Equal(42, number.TargetObject);
    }

    // A key directory also holds notes, Finder's .DS_Store and folders, passed over; a named pipe named like a key is refused
    // unopened (a loader that opened it would wait forever; the writer here answers such a reader, so that fails, not hangs).
    [Fact]
    public async Task Trust_store_directory_passes_over_what_is_not_a_key_file_and_refuses_a_pipe_named_like_one()
    {
        var dir = Directory.CreateTempSubdirectory("kms-trust-");
        try
        {
            File.Copy(Fixture("keys/p256.pem"), Path.Combine(dir.FullName, "p256.pem"));
            File.WriteAllText(Path.Combine(dir.FullName, "README.md"), "# Keys we trust\n");
            File.WriteAllBytes(Path.Combine(dir.FullName, ".DS_Store"), [0, 0, 0, 1, 0x42, 0x75, 0x64, 0x31]);
            Directory.CreateDirectory(Path.Combine(dir.FullName, "retired"));
            var fifo = Path.Combine(dir.FullName, "incoming.pem");
            NamedPipe.Create(fifo);
            var opened = 0;
            var writer = Task.Run(() =>
            {
                using var stream = new FileStream(fifo, FileMode.Open, FileAccess.Write);
                Volatile.Write(ref opened, 1);
                stream.Write("not a key"u8);
            });

            var error = Terminating("Test-KmsSignature -Token $token -TrustStore $dir", new Dictionary<string, object?>
            {
                ["dir"] = dir.FullName,
                ["token"] = File.ReadAllText(Fixture("tokens/es256-p256.jwt")),
            });
            var openedByCommand = Volatile.Read(ref opened) == 1;
            if (!openedByCommand)
            {
                using var release = new FileStream(fifo, FileMode.Open, FileAccess.Read);
                release.CopyTo(Stream.Null);
            }

            await writer;
            Assert.False(openedByCommand);
            Assert.StartsWith("KmsSignature.InvalidPublicKey,", error.FullyQualifiedErrorId);
            Assert.Equal(fifo, error.TargetObject);

            // Without the pipe, the README, .DS_Store and the sub-directory are passed over.
            File.Delete(fifo);
            var valid = session.Run("Test-KmsSignature -Token $token -TrustStore $dir", new Dictionary<string, object?>
            {
                ["dir"] = dir.FullName,
                ["token"] = File.ReadAllText(Fixture("tokens/es256-p256.jwt")),
            });
            Assert.Equal("Valid", valid.AssertSuccess().Output.Single().Properties["Status"].Value.ToString());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Missing_trust_store_is_terminating()
    {
        var record = Terminating("Test-KmsSignature -Token 'a.b.c' -TrustStore $s", new() { ["s"] = Fixture("no-such-dir") });

        Assert.StartsWith("KmsSignature.TrustStoreNotFound", record.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, record.CategoryInfo.Category);
    }

    // A JWKS URL copied from an issuer's discovery document: PowerShell read "https:" as a drive (DriveNotFound).
    [Theory]
    [InlineData("https://issuer.example/.well-known/jwks.json")]
    [InlineData("http://127.0.0.1:8080/jwks")]
    public void Trust_store_url_is_terminating_and_says_to_download_it(string url)
    {
        var record = Terminating("Test-KmsSignature -Token 'a.b.c' -TrustStore $s", new() { ["s"] = url });

        Assert.StartsWith("KmsSignature.TrustStoreIsUrl,", record.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, record.CategoryInfo.Category);
        Assert.Equal(url, record.TargetObject);
        Assert.Contains("-OutFile", record.Exception.Message);
    }

    // Export-KmsPublicKeyPem's output or a file's content given where a path is expected was "not found" as a file name.
    [Theory]
    [InlineData("pem")]
    [InlineData("jwks")]
    public void Key_text_given_as_a_trust_store_is_terminating_and_points_to_PublicKey(string form)
    {
        var text = form == "pem"
            ? "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n"
            : "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\"}]}";
        var record = Terminating("Test-KmsSignature -Token 'a.b.c' -TrustStore $s", new() { ["s"] = text });

        Assert.StartsWith("KmsSignature.TrustStoreIsKeyText,", record.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, record.CategoryInfo.Category);
        Assert.Equal(text, record.TargetObject);
        Assert.Contains("-PublicKey", record.Exception.Message);
    }

    [Fact]
    public void No_key_source_or_two_key_sources_are_terminating()
    {
        Assert.StartsWith("KmsSignature.NoKeySource", Terminating("Test-KmsSignature -Token 'a.b.c'", new()).FullyQualifiedErrorId);
        Assert.StartsWith("KmsSignature.ConflictingKeySources",
            Terminating("Test-KmsSignature -Token 'a.b.c' -PublicKey $k -TrustStore $k", new() { ["k"] = Fixture("keys/p256.pem") }).FullyQualifiedErrorId);
    }

    [Fact]
    public void Malformed_KeyId_is_a_terminating_error_before_any_AWS_lookup()
    {
        // No region or credentials are configured in this session: the identifier is checked first.
        var record = Terminating("Test-KmsSignature -Token $t -KeyId 'not a key'",
            new() { ["t"] = File.ReadAllText(Fixture("tokens/es256-p256.jwt")) });

        Assert.StartsWith("KmsSignature.InvalidKeyIdentifier", record.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, record.CategoryInfo.Category);
    }

    [Fact]
    public void Unknown_algorithm_is_terminating()
    {
        var record = Terminating("Test-KmsSignature -Token 'a.b.c' -PublicKey $k -Algorithm HS256", new() { ["k"] = Fixture("keys/p256.pem") });

        Assert.StartsWith("KmsSignature.UnknownAlgorithm", record.FullyQualifiedErrorId);
    }
}
