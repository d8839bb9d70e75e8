using System.Management.Automation;
using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests;

/// <summary>Test-KmsSignature over files (-Path, -LiteralPath, piped FileInfo) and bytes (-Message/-Signature).</summary>
public sealed class TestKmsSignatureFileTests : IDisposable
{
    private readonly PowerShellSession session = new();
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("kms-files-");

    public TestKmsSignatureFileTests()
    {
        foreach (var name in new[] { "message.txt", "message.txt.sig", "large.bin", "large.bin.p256.der.sig" })
        {
            File.Copy(Path.Combine(RepoPaths.Fixtures, "files", name), Path.Combine(work.FullName, name));
        }

        File.Copy(Path.Combine(work.FullName, "large.bin.p256.der.sig"), Path.Combine(work.FullName, "large.bin.sig"));
        File.WriteAllText(Path.Combine(work.FullName, "unsigned.txt"), "no signature next to me");
    }

    private static string Fixture(string relative) => Path.Combine(RepoPaths.Fixtures, relative);

    public void Dispose()
    {
        session.Dispose();
        work.Delete(true);
    }

    private ScriptResult Run(string script) => session.Run(script, new Dictionary<string, object?>
    {
        ["dir"] = work.FullName,
        ["key"] = Fixture("keys/p256.pem"),
        ["fixtures"] = RepoPaths.Fixtures,
    });

    [Fact]
    public void Wildcard_path_verifies_each_file_with_its_sig_in_order()
    {
        var result = Run("Test-KmsSignature -Path ([IO.Path]::Combine($dir, '*.bin')), ([IO.Path]::Combine($dir, '*.txt')) -PublicKey $key");

        Assert.Equal(["large.bin", "message.txt"], result.Output.Select(o => Path.GetFileName((string)o.Properties["Path"].Value)));
        Assert.All(result.Output, o => Assert.Equal("Valid", o.Properties["Status"].Value.ToString()));
        var error = Assert.Single(result.Errors);
        Assert.Equal("KmsSignature.SignatureFileNotFound", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal(Path.Combine(work.FullName, "unsigned.txt.sig"), error.TargetObject);
    }

    // -Quiet: the files of one piped list share the verifier that could not be made; its error is written once, not per file.
    [Fact]
    public void With_Quiet_a_detached_verifier_that_cannot_be_made_is_one_error_and_false()
    {
        var result = Run("$f = [IO.DirectoryInfo]::new($dir).GetFiles('*.bin')[0]; ,@($f, $f) | Test-KmsSignature -PublicKey $key -Algorithm ES256, RS256 -Quiet");

        Assert.Equal(false, result.Output.Single().BaseObject);
        Assert.Equal("KmsSignature.UnknownAlgorithm", Assert.Single(result.Errors).FullyQualifiedErrorId.Split(',')[0]);
    }

    [Fact]
    public void Piped_file_objects_bind_by_pspath()
    {
        var result = Run("[IO.DirectoryInfo]::new($dir).GetFiles('*.bin') | Test-KmsSignature -PublicKey $key");

        Assert.Equal("Valid", result.AssertSuccess().Output.Single().Properties["Status"].Value.ToString());
    }

    [Fact]
    public void Mixed_pipeline_of_tokens_files_and_token_objects_keeps_input_order()
    {
        var result = Run(
            "@('x.y.z', [IO.FileInfo]::new([IO.Path]::Combine($dir, 'message.txt')), [pscustomobject]@{ PSPath = [IO.Path]::Combine($dir, 'large.bin') }, " +
            "[pscustomobject]@{ Token = [IO.File]::ReadAllText([IO.Path]::Combine($fixtures, 'tokens/es256-p256.jwt')) }) | Test-KmsSignature -PublicKey $key").AssertSuccess();

        Assert.Equal(["Malformed", "Valid", "Valid", "Valid"], result.Output.Select(o => o.Properties["Status"].Value.ToString()));
        Assert.Null(result.Output[0].Properties["Path"].Value);
        Assert.EndsWith("message.txt", (string)result.Output[1].Properties["Path"].Value);
        Assert.EndsWith("large.bin", (string)result.Output[2].Properties["Path"].Value);
        Assert.Equal("fixture-ES256", result.Output[3].Properties["Subject"].Value);
    }

    [Fact]
    public void Strings_carrying_a_pspath_like_get_content_lines_are_tokens_not_files()
    {
        // Get-Content output: each line is a string with PSPath/ReadCount note properties naming the file it came from.
        var result = Run(
            "$line = [psobject]::new([IO.File]::ReadAllText([IO.Path]::Combine($fixtures, 'tokens/es256-p256.jwt')).Trim()); " +
            "$line.PSObject.Properties.Add([psnoteproperty]::new('PSPath', [IO.Path]::Combine($dir, 'message.txt'))); " +
            "$line | Test-KmsSignature -PublicKey $key").AssertSuccess();

        var output = Assert.Single(result.Output);
        Assert.Equal("Valid", output.Properties["Status"].Value.ToString());
        Assert.Null(output.Properties["Path"].Value);
        Assert.Equal("fixture-ES256", output.Properties["Subject"].Value);
    }

    [Fact]
    public void Csv_style_rows_name_the_file_and_their_own_signature_path()
    {
        File.Copy(Path.Combine(work.FullName, "message.txt.sig"), Path.Combine(work.FullName, "elsewhere.sig"));
        var result = Run(
            "[pscustomobject]@{ LiteralPath = [IO.Path]::Combine($dir, 'message.txt'); SignaturePath = [IO.Path]::Combine($dir, 'elsewhere.sig') }, " +
            "[pscustomobject]@{ FullName = [IO.Path]::Combine($dir, 'large.bin') } | " +
            "Test-KmsSignature -PublicKey $key -SignaturePath ([IO.Path]::Combine($dir, 'large.bin.p256.der.sig'))").AssertSuccess();

        Assert.Equal(["Valid", "Valid"], result.Output.Select(o => o.Properties["Status"].Value.ToString()));
        Assert.Equal(Path.Combine(work.FullName, "elsewhere.sig"), result.Output[0].Properties["SignaturePath"].Value);
        Assert.Equal(Path.Combine(work.FullName, "large.bin.p256.der.sig"), result.Output[1].Properties["SignaturePath"].Value);
    }

    // Import-Csv gives an empty string for an empty cell. A blank Token cell made a row that names its file an empty
    // token (Malformed), and a blank SignaturePath cell resolved to the current location, read as a signature directory.
    [Fact]
    public void Blank_csv_cells_mean_not_given()
    {
        var elsewhere = work.CreateSubdirectory("elsewhere");
        var result = session.Run(
            "$null = $ExecutionContext.SessionState.Path.SetLocation($elsewhere); $m = [IO.Path]::Combine($dir, 'message.txt'); " +
            "[pscustomobject]@{ Token = ''; LiteralPath = $m; SignaturePath = ''; Algorithm = '' }, " +
            "[pscustomobject]@{ Token = ' '; LiteralPath = ''; FullName = $m; SignaturePath = ' ' }, " +
            "[pscustomobject]@{ Token = ''; LiteralPath = '' } | Test-KmsSignature -PublicKey $key",
            new Dictionary<string, object?> { ["dir"] = work.FullName, ["elsewhere"] = elsewhere.FullName, ["key"] = Fixture("keys/p256.pem") }).AssertSuccess();

        Assert.Equal(["Valid", "Valid", "Malformed"], result.Output.Select(o => o.Properties["Status"].Value.ToString()));
        Assert.All(result.Output.Take(2), o => Assert.Equal(Path.Combine(work.FullName, "message.txt.sig"), o.Properties["SignaturePath"].Value));
        Assert.Equal("the token is empty", result.Output[2].Properties["Reason"].Value);
    }

    // A manifest's Path column, and this command's own file results (Path, SignaturePath, Algorithm), were
    // InputNotRecognized. Path is taken literally, as the other path properties are.
    [Fact]
    public void Objects_with_a_Path_property_are_files_taken_literally()
    {
        File.Copy(Path.Combine(work.FullName, "message.txt"), Path.Combine(work.FullName, "a[1].txt"));
        File.Copy(Path.Combine(work.FullName, "message.txt.sig"), Path.Combine(work.FullName, "a[1].txt.sig"));
        var result = Run(
            "[pscustomobject]@{ Path = [IO.Path]::Combine($dir, 'a[1].txt'); SignaturePath = ''; Algorithm = 'ECDSA_SHA_256' }, " +
            "[pscustomobject]@{ Path = [IO.Path]::Combine($dir, 'large.bin'); SignaturePath = [IO.Path]::Combine($dir, 'large.bin.p256.der.sig') } | " +
            "Test-KmsSignature -PublicKey $key | Test-KmsSignature -PublicKey $key").AssertSuccess();

        Assert.Equal(["Valid", "Valid"], result.Output.Select(o => o.Properties["Status"].Value.ToString()));
        Assert.Equal(Path.Combine(work.FullName, "a[1].txt"), result.Output[0].Properties["Path"].Value);
        Assert.Equal(Path.Combine(work.FullName, "large.bin.p256.der.sig"), result.Output[1].Properties["SignaturePath"].Value);
    }

    // The resolved -SignaturePath was cached by its text alone: a relative one kept pointing into the first item's
    // location after a Set-Location upstream, and the file was checked against another file's signature.
    [Fact]
    public void A_relative_SignaturePath_resolves_against_the_location_of_each_item()
    {
        var other = work.CreateSubdirectory("other");
        File.WriteAllBytes(Path.Combine(other.FullName, "message.txt.sig"), new byte[70]);
        var result = session.Run(
            "$m = [IO.Path]::Combine($dir, 'message.txt'); " +
            "$dir, $other | ForEach-Object { $null = $ExecutionContext.SessionState.Path.SetLocation($_); [pscustomobject]@{ LiteralPath = $m; SignaturePath = 'message.txt.sig' } } | " +
            "Test-KmsSignature -PublicKey $key",
            new Dictionary<string, object?> { ["dir"] = work.FullName, ["other"] = other.FullName, ["key"] = Fixture("keys/p256.pem") }).AssertSuccess();

        Assert.Equal([Path.Combine(work.FullName, "message.txt.sig"), Path.Combine(other.FullName, "message.txt.sig")],
            result.Output.Select(o => (string)o.Properties["SignaturePath"].Value));
        Assert.Equal("Valid", result.Output[0].Properties["Status"].Value.ToString());
        Assert.Equal("InvalidSignature", result.Output[1].Properties["Status"].Value.ToString()); // the 70 zero bytes in other/
    }

    // ES256 and ES256K are both ECDSA_SHA_256: files checked with -Algorithm ES256K or a piped Algorithm ES256K
    // took a P-256 key's signature as Valid, where a token with that alg is refused.
    [Fact]
    public void A_jose_algorithm_checks_files_only_with_keys_of_the_curve_it_names()
    {
        var result = Run(
            "$file = [IO.Path]::Combine($fixtures, 'files/message.txt'); $sig = [IO.Path]::Combine($fixtures, 'files/message.txt.p256.der.sig'); " +
            "$k1 = [IO.Path]::Combine($fixtures, 'keys/secp256k1.pem'); " +
            "Test-KmsSignature -LiteralPath $file -SignaturePath $sig -PublicKey $key, $k1 -Algorithm ES256K; " +
            "'ES256K', 'ES256' | ForEach-Object { [pscustomobject]@{ LiteralPath = $file; SignaturePath = $sig; Algorithm = $_ } } | Test-KmsSignature -PublicKey $key, $k1; " +
            "Test-KmsSignature -LiteralPath $file -SignaturePath $sig -PublicKey $key -Algorithm ES256K");

        Assert.Equal(["InvalidSignature", "InvalidSignature", "Valid"], result.Output.Select(o => o.Properties["Status"].Value.ToString()));
        Assert.Equal("KmsSignature.AlgorithmDoesNotFitKey", Assert.Single(result.Errors).FullyQualifiedErrorId.Split(',')[0]);
    }

    // The verifiers made for piped Algorithm names were kept by name, case-insensitively: after 'ES256', 'es256' (no JOSE
    // alg, whose names are case-sensitive) took ES256's verifier, where before it, or alone, it is UnknownAlgorithm.
    [Fact]
    public void A_piped_objects_Algorithm_reads_the_same_whatever_came_before_it()
    {
        var result = Run(
            "$file = [IO.Path]::Combine($fixtures, 'files/message.txt'); $sig = [IO.Path]::Combine($fixtures, 'files/message.txt.p256.der.sig'); " +
            "'ES256', 'es256', 'ecdsa_sha_256' | ForEach-Object { [pscustomobject]@{ LiteralPath = $file; SignaturePath = $sig; Algorithm = $_ } } | " +
            "Test-KmsSignature -PublicKey ([IO.Path]::Combine($fixtures, 'keys/p256.pem'))");

        Assert.Equal(["Valid", "Valid"], result.Output.Select(o => o.Properties["Status"].Value.ToString()));
        Assert.Equal("KmsSignature.UnknownAlgorithm", Assert.Single(result.Errors).FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal("es256", result.Errors[0].TargetObject);
    }

    // New-KmsSignature's output names its Algorithm; a PSS or Ed25519ph signature piped on was checked with the key's
    // default algorithm instead (PKCS#1 v1.5, pure Ed25519) and reported InvalidSignature for a good signature.
    [Fact]
    public void A_piped_objects_Algorithm_property_picks_the_algorithm_unless_Algorithm_is_given()
    {
        var result = Run(
            "$row = [pscustomobject]@{ LiteralPath = [IO.Path]::Combine($fixtures, 'files/message.txt'); " +
            "SignaturePath = [IO.Path]::Combine($fixtures, 'files/message.txt.rsa2048.pss-sha384.sig'); Algorithm = 'RSASSA_PSS_SHA_384' }; " +
            "$rsa = [IO.Path]::Combine($fixtures, 'keys/rsa2048.pem'); " +
            "$row | Test-KmsSignature -PublicKey $rsa; " +
            "$row | Test-KmsSignature -PublicKey $rsa -Algorithm RSASSA_PKCS1_V1_5_SHA_384; " +
            "[pscustomobject]@{ LiteralPath = $row.LiteralPath; SignaturePath = [IO.Path]::Combine($fixtures, 'files/message.txt.ed25519ph.sig'); Algorithm = 'ED25519_PH_SHA_512' }, " +
            "[pscustomobject]@{ LiteralPath = $row.LiteralPath; SignaturePath = [IO.Path]::Combine($fixtures, 'files/message.txt.ed25519.sig'); Algorithm = 'ES256' }, " +
            "[pscustomobject]@{ LiteralPath = $row.LiteralPath; SignaturePath = [IO.Path]::Combine($fixtures, 'files/message.txt.ed25519.sig'); Algorithm = 'NO_SUCH_ALG' }, " +
            "[pscustomobject]@{ LiteralPath = $row.LiteralPath; SignaturePath = [IO.Path]::Combine($fixtures, 'files/message.txt.ed25519.sig'); Algorithm = '' } | " +
            "Test-KmsSignature -PublicKey ([IO.Path]::Combine($fixtures, 'keys/ed25519.pem')) -ThrottleLimit 2");

        Assert.True(result.Output.Count == 4, $"Output: {string.Join(" | ", result.Output)}\nErrors: {string.Join(" | ", result.Errors.Select(e => $"{e.FullyQualifiedErrorId}: {e}"))}\nTerminating: {result.Terminating}");
        Assert.Equal(["Valid", "InvalidSignature", "Valid", "Valid"], result.Output.Select(o => o.Properties["Status"].Value.ToString()));
        Assert.Equal(["RSASSA_PSS_SHA_384", "RSASSA_PKCS1_V1_5_SHA_384", "ED25519_PH_SHA_512", "ED25519_SHA_512"],
            result.Output.Select(o => (string)o.Properties["Algorithm"].Value));
        // An algorithm that does not fit the key, or is none, is that item's error; the items after it still verify.
        Assert.Equal(2, result.Errors.Count);
        Assert.Equal("KmsSignature.AlgorithmDoesNotFitKey", result.Errors[0].FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(ErrorCategory.InvalidArgument, result.Errors[0].CategoryInfo.Category);
        Assert.Equal("ECDSA_SHA_256", result.Errors[0].TargetObject);
        Assert.Equal("KmsSignature.UnknownAlgorithm", result.Errors[1].FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal("NO_SUCH_ALG", result.Errors[1].TargetObject);
        Assert.Null(result.Terminating);
    }

    [Fact]
    public void Unrecognized_piped_objects_are_errors_with_the_object_as_target_and_the_rest_still_verifies()
    {
        var result = Run(
            "42, [IO.FileInfo]::new([IO.Path]::Combine($dir, 'message.txt')), @{ Token = 'x.y.z' }, [pscustomobject]@{ Name = 'release.zip' } | Test-KmsSignature -PublicKey $key; " +
            "Test-KmsSignature -InputObject 42 -PublicKey $key -Quiet");

        Assert.Equal("Valid", result.Output[0].Properties["Status"].Value.ToString());
        Assert.Equal(false, result.Output[1].BaseObject);
        Assert.Equal(2, result.Output.Count);
        Assert.Equal(4, result.Errors.Count);
        Assert.All(result.Errors, e =>
        {
            Assert.Equal("KmsSignature.InputNotRecognized", e.FullyQualifiedErrorId.Split(',')[0]);
            Assert.Equal(ErrorCategory.InvalidArgument, e.CategoryInfo.Category);
        });
        Assert.Equal(42, result.Errors[0].TargetObject);
        Assert.IsType<System.Collections.Hashtable>(result.Errors[1].TargetObject);
        // A [pscustomobject] is the target with its properties, not the empty object beneath them.
        Assert.Equal("release.zip", Assert.IsType<PSObject>(result.Errors[2].TargetObject).Properties["Name"].Value);
    }

    [Fact]
    public void Command_line_tokens_and_files_come_before_piped_input_and_an_input_object_array_is_taken_item_by_item()
    {
        var result = Run(
            "$t = [IO.File]::ReadAllText([IO.Path]::Combine($fixtures, 'tokens/es256-p256.jwt')); " +
            "'x.y.z', $t | Test-KmsSignature $t -LiteralPath ([IO.Path]::Combine($dir, 'message.txt')) -PublicKey $key; " +
            "Test-KmsSignature -InputObject @($t, 'a.b.c') -PublicKey $key; " +
            "@() | Test-KmsSignature $t -PublicKey $key").AssertSuccess();

        Assert.Equal(["Valid", "Valid", "Malformed", "Valid", "Valid", "Malformed", "Valid"], result.Output.Select(o => o.Properties["Status"].Value.ToString()));
        Assert.EndsWith("message.txt", (string)result.Output[1].Properties["Path"].Value);
    }

    [Fact]
    public void Directory_and_missing_file_are_non_terminating_errors_with_the_input_as_target()
    {
        var result = Run("Test-KmsSignature -LiteralPath $dir, ([IO.Path]::Combine($dir, 'nope.txt')), ([IO.Path]::Combine($dir, 'message.txt')) -PublicKey $key");

        Assert.Equal("Valid", result.Output.Single().Properties["Status"].Value.ToString());
        Assert.Equal(["KmsSignature.PathIsDirectory", "KmsSignature.FileNotFound"],
            result.Errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0]));
        Assert.Equal(work.FullName, result.Errors[0].TargetObject);
        Assert.Equal(ErrorCategory.InvalidArgument, result.Errors[0].CategoryInfo.Category);
    }

    // A path on a drive that does not exist ended the run (DriveNotFound from the provider), and one of another provider
    // (Variable:\x) was read as a file named x in the process's working directory. Both are that item's error, in its place.
    [Theory]
    [InlineData("")]
    [InlineData("-ThrottleLimit 2")]
    public void A_path_on_no_drive_or_another_provider_is_that_items_error_and_the_rest_still_verifies(string parallel)
    {
        var result = Run(
            "$m = [IO.Path]::Combine($dir, 'message.txt'); $f = [IO.FileInfo]::new($m); " +
            "$f, [pscustomobject]@{ LiteralPath = 'nosuchdrive:/x.txt' }, $f, [pscustomobject]@{ LiteralPath = 'Variable:\\key' }, " +
            $"[pscustomobject]@{{ LiteralPath = $m; SignaturePath = 'Env:\\HOME' }}, $f | Test-KmsSignature -PublicKey $key {parallel} 2>&1 | " +
            "ForEach-Object { if ($_ -is [Management.Automation.ErrorRecord]) { $_.FullyQualifiedErrorId.Split(',')[0] + ':' + $_.TargetObject } else { [string]$_.Status } }");

        Assert.Equal(["Valid", "KmsSignature.FileNotFound:nosuchdrive:/x.txt", "Valid", "KmsSignature.NotAFileSystemPath:Variable:\\key",
                "KmsSignature.NotAFileSystemPath:Env:\\HOME", "Valid"],
            result.Output.Select(o => o.BaseObject.ToString()));
    }

    [Fact]
    public void A_TrustStore_or_key_file_of_another_provider_is_a_NotAFileSystemPath_error()
    {
        var result = Run("Test-KmsSignature -LiteralPath ([IO.Path]::Combine($dir, 'message.txt')) -TrustStore Variable:\\key");
        var error = result.TerminatingRecord ?? Assert.Single(result.Errors);
        Assert.Equal("KmsSignature.NotAFileSystemPath", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal("Variable:\\key", error.TargetObject);
        Assert.Empty(result.Output);

        var key = Run("Test-KmsSignature -LiteralPath ([IO.Path]::Combine($dir, 'message.txt')) -PublicKey Variable:\\key");
        Assert.Equal("KmsSignature.NotAFileSystemPath", (key.TerminatingRecord ?? Assert.Single(key.Errors)).FullyQualifiedErrorId.Split(',')[0]);
    }

    [Fact]
    public void Nonexistent_wildcard_is_a_non_terminating_error()
    {
        var result = Run("Test-KmsSignature -Path ([IO.Path]::Combine($dir, 'zzz*.txt')) -PublicKey $key");

        Assert.Empty(result.Output);
        Assert.Equal("KmsSignature.FileNotFound", result.Errors.Single().FullyQualifiedErrorId.Split(',')[0]);
    }

    // Every pattern is resolved before the first file is verified, and a pattern that matched nothing wrote its error
    // then: ahead of the results of the patterns before it. It now comes in its place, with -ThrottleLimit too.
    [Theory]
    [InlineData("")]
    [InlineData("-ThrottleLimit 2")]
    public void A_path_pattern_that_matches_nothing_is_reported_in_its_place(string parallel)
    {
        var result = Run(
            "$m = [IO.Path]::Combine($dir, 'message.txt'); " +
            $"Test-KmsSignature -Path ([IO.Path]::Combine($dir, 'm*.txt')), ([IO.Path]::Combine($dir, 'zzz*')), 'Env:HOME', $m -PublicKey $key {parallel} 2>&1 | " +
            "ForEach-Object { if ($_ -is [Management.Automation.ErrorRecord]) { $_.FullyQualifiedErrorId.Split(',')[0] } else { [string]$_.Status } }");

        Assert.Equal(["Valid", "KmsSignature.FileNotFound", "KmsSignature.NotAFileSystemPath", "Valid"], result.Output.Select(o => o.BaseObject.ToString()));
    }

    // A pattern on a drive that does not exist escaped as the provider's DriveNotFound and ended the run.
    [Fact]
    public void A_path_pattern_on_no_drive_is_that_patterns_error_and_the_rest_still_verifies()
    {
        var result = Run("Test-KmsSignature -Path 'nosuchdrive:/x*', ([IO.Path]::Combine($dir, 'message.txt')) -PublicKey $key");

        Assert.Null(result.Terminating);
        Assert.Equal("Valid", result.Output.Single().Properties["Status"].Value.ToString());
        var error = Assert.Single(result.Errors);
        Assert.Equal("KmsSignature.FileNotFound", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal("nosuchdrive:/x*", error.TargetObject);
    }

    // A file name can hold ESC or a newline on Linux; quoted raw, "\u001b[2K\nValid" in a piped path rewrote the terminal
    // line or forged a log line. The message escapes it as the verifier's own messages do; TargetObject stays the path.
    [Fact]
    public void A_path_error_message_escapes_control_characters_and_keeps_the_raw_path_as_target()
    {
        const string Tail = "\u001b[2K\nValid";
        var paths = new Dictionary<string, object?>
        {
            ["dir"] = work.FullName,
            ["key"] = Fixture("keys/p256.pem"),
            ["noDrive"] = "nosuchdrive:/x" + Tail,
            ["noMatch"] = Path.Combine(work.FullName, "zzz" + Tail + "*"),
            ["variable"] = "Variable:\\x" + Tail,
        };
        var result = session.Run(
            "$m = [IO.Path]::Combine($dir, 'message.txt'); " +
            "[pscustomobject]@{ LiteralPath = $noDrive }, [pscustomobject]@{ LiteralPath = $variable }, " +
            "[pscustomobject]@{ LiteralPath = $m; SignaturePath = $noDrive } | Test-KmsSignature -PublicKey $key; " +
            "Test-KmsSignature -Path $noDrive, $noMatch -PublicKey $key",
            paths);

        Assert.Equal(
            [("KmsSignature.FileNotFound", paths["noDrive"]), ("KmsSignature.NotAFileSystemPath", paths["variable"]),
                ("KmsSignature.SignatureFileNotFound", paths["noDrive"]), ("KmsSignature.FileNotFound", paths["noDrive"]),
                ("KmsSignature.FileNotFound", paths["noMatch"])],
            result.Errors.Select(e => (e.FullyQualifiedErrorId.Split(',')[0], (object?)e.TargetObject)));
        Assert.All(result.Errors, e =>
        {
            Assert.DoesNotContain('\u001b', e.Exception.Message);
            Assert.DoesNotContain('\n', e.Exception.Message);
            Assert.Contains("\\u001B[2K\\u000AValid", e.Exception.Message);
        });
    }

    // A file object's FullName was resolved again as a PowerShell path, so a "::" in a file name (legal on Linux and
    // macOS) read as a provider qualifier and the file was FileNotFound.
    [Theory]
    [InlineData("[IO.FileInfo]::new($f) | Test-KmsSignature -PublicKey $key")]
    [InlineData("[IO.FileInfo]::new($f) | Test-KmsSignature -PublicKey $key -ThrottleLimit 2")]
    public void A_file_object_whose_name_holds_two_colons_is_verified(string script)
    {
        if (OperatingSystem.IsWindows())
        {
            return; // ':' cannot be in a Windows file name
        }

        var file = Path.Combine(work.FullName, "a::b.txt");
        File.Copy(Path.Combine(work.FullName, "message.txt"), file);
        File.Copy(Path.Combine(work.FullName, "message.txt.sig"), file + ".sig");
        var result = session.Run(script, new Dictionary<string, object?> { ["f"] = file, ["key"] = Fixture("keys/p256.pem") })
            .AssertSuccess();

        Assert.Equal("Valid", result.Output.Single().Properties["Status"].Value.ToString());
        Assert.Equal(file, result.Output.Single().Properties["Path"].Value);
    }

    [Fact]
    public void Tampered_file_is_an_invalid_signature_result()
    {
        var result = Run("[IO.File]::AppendAllText(([IO.Path]::Combine($dir, 'message.txt')), 'x'); Test-KmsSignature -LiteralPath ([IO.Path]::Combine($dir, 'message.txt')) -PublicKey $key");

        var output = result.AssertSuccess().Output.Single();
        Assert.Equal("InvalidSignature", output.Properties["Status"].Value.ToString());
        Assert.Equal(false, output.Properties["IsValid"].Value);
    }

    [Theory]
    [InlineData("message.txt.rsa2048.pss-sha256.sig", "rsa2048.pem", "RSASSA_PSS_SHA_256")]
    [InlineData("message.txt.rsa2048.pss-sha512.sig", "rsa2048.jwk.json", "PS512")]
    [InlineData("message.txt.ed25519.sig", "ed25519.pem", "ED25519_SHA_512")]
    [InlineData("message.txt.ed25519ph.sig", "ed25519.pem", "ED25519_PH_SHA_512")]
    [InlineData("message.txt.mldsa44.sig", "mldsa44.pem", "ML_DSA_SHAKE_256")]
    [InlineData("message.txt.p256.der.b64", "p256.pem", "ES256")]
    [InlineData("message.txt.secp256k1.der.sig", "secp256k1.pem", "ECDSA_SHA_256")]
    [InlineData("../interop/message.txt.rsa2048.pkcs1-sha256.utf16le-bom.b64", "rsa2048.pem", "RS256")]
    public void SignaturePath_and_algorithm_by_kms_or_jose_name(string signature, string key, string algorithm)
    {
        var result = session.Run("Test-KmsSignature -LiteralPath $file -SignaturePath $sig -PublicKey $key -Algorithm $alg",
            new Dictionary<string, object?>
            {
                ["file"] = Fixture("files/message.txt"),
                ["sig"] = Fixture($"files/{signature}"),
                ["key"] = Fixture($"keys/{key}"),
                ["alg"] = algorithm,
            }).AssertSuccess();

        Assert.Equal("Valid", result.Output.Single().Properties["Status"].Value.ToString());
    }

    // Process substitution and downloads hand over a signature as a named pipe, which has no length.
    [Fact]
    public async Task SignaturePath_may_be_a_named_pipe()
    {
        var pipe = Path.Combine(work.FullName, "from-a-pipe.sig");
        NamedPipe.Create(pipe);
        var writer = Task.Run(() => File.WriteAllBytes(pipe, File.ReadAllBytes(Path.Combine(work.FullName, "message.txt.sig"))));

        var result = session.Run("Test-KmsSignature -LiteralPath $file -SignaturePath $pipe -PublicKey $key", new Dictionary<string, object?>
        {
            ["file"] = Path.Combine(work.FullName, "message.txt"),
            ["pipe"] = pipe,
            ["key"] = Fixture("keys/p256.pem"),
        }).AssertSuccess();
        await writer.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("Valid", result.Output.Single().Properties["Status"].Value.ToString());
        Assert.Equal(pipe, result.Output.Single().Properties["SignaturePath"].Value);
    }

    [Fact]
    public void Message_and_signature_bytes_with_digest_message_type()
    {
        var result = Run(
            "$m = [IO.File]::ReadAllBytes(([IO.Path]::Combine($fixtures, 'files/message.txt'))); " +
            "$s = [IO.File]::ReadAllBytes(([IO.Path]::Combine($fixtures, 'files/message.txt.p256.der.sig'))); " +
            "Test-KmsSignature -Message $m -Signature $s -PublicKey $key; " +
            "Test-KmsSignature -Message ([Security.Cryptography.SHA256]::HashData($m)) -Signature $s -PublicKey $key -MessageType Digest; " +
            "Test-KmsSignature -Message ([byte[]]@(1,2,3)) -Signature $s -PublicKey $key").AssertSuccess();

        Assert.Equal(["Valid", "Valid", "InvalidSignature"], result.Output.Select(o => o.Properties["Status"].Value.ToString()));
    }

    [Fact]
    public void Quiet_is_false_when_a_file_could_not_be_read()
    {
        var result = Run("Test-KmsSignature -Path ([IO.Path]::Combine($dir, '*.txt')) -PublicKey $key -Quiet -ErrorAction SilentlyContinue");

        Assert.Equal(false, result.Output.Single().BaseObject);
    }

    // The JWK's alg pins the key (KMS's "special considerations": offline, nothing else enforces the algorithm).
    [Fact]
    public void Jwk_pinned_to_RS256_refuses_detached_signatures_of_other_algorithms()
    {
        var jwk = Path.Combine(work.FullName, "rsa2048-rs256.jwk");
        File.WriteAllText(jwk, File.ReadAllText(Fixture("keys/rsa2048.jwk.json")).Replace("\"use\"", "\"alg\": \"RS256\", \"use\""));
        var result = session.Run(
            "$m = [IO.Path]::Combine($fixtures, 'files/message.txt'); " +
            "Test-KmsSignature -Path $m -SignaturePath ([IO.Path]::Combine($fixtures, 'files/message.txt.rsa2048.pss-sha256.sig')) -PublicKey $jwk -Algorithm PS256; " +
            "Test-KmsSignature -Path $m -SignaturePath ([IO.Path]::Combine($fixtures, 'files/message.txt.rsa2048.pkcs1-sha512.sig')) -TrustStore $jwk -Algorithm RSASSA_PKCS1_V1_5_SHA_512; " +
            "[pscustomobject]@{ LiteralPath = $m; SignaturePath = [IO.Path]::Combine($fixtures, 'files/message.txt.rsa2048.pss-sha256.sig'); Algorithm = 'RSASSA_PSS_SHA_256' } | Test-KmsSignature -PublicKey $jwk; " +
            "Test-KmsSignature -Path $m -SignaturePath ([IO.Path]::Combine($fixtures, 'files/message.txt.rsa2048.pkcs1-sha256.sig')) -PublicKey $jwk -Algorithm RS256",
            new Dictionary<string, object?> { ["jwk"] = jwk, ["fixtures"] = RepoPaths.Fixtures }).AssertSuccess();

        Assert.Equal(["AlgorithmNotAllowed", "AlgorithmNotAllowed", "AlgorithmNotAllowed", "Valid"], result.Output.Select(o => o.Properties["Status"].Value.ToString()));
        Assert.Contains("pinned to alg 'RS256'", (string)result.Output[0].Properties["Reason"].Value);
    }

    [Fact]
    public void Jwk_pinned_alg_is_the_default_for_a_detached_signature()
    {
        var jwk = Path.Combine(work.FullName, "rsa2048-ps256.jwk");
        File.WriteAllText(jwk, File.ReadAllText(Fixture("keys/rsa2048.jwk.json")).Replace("\"use\"", "\"alg\": \"PS256\", \"use\""));
        var result = session.Run(
            "$m = [IO.Path]::Combine($fixtures, 'files/message.txt'); " +
            "Test-KmsSignature -Path $m -SignaturePath ([IO.Path]::Combine($fixtures, 'files/message.txt.rsa2048.pss-sha256.sig')) -PublicKey $jwk; " +
            "Test-KmsSignature -Path $m -SignaturePath ([IO.Path]::Combine($fixtures, 'files/message.txt.rsa2048.pkcs1-sha256.sig')) -PublicKey $jwk",
            new Dictionary<string, object?> { ["jwk"] = jwk, ["fixtures"] = RepoPaths.Fixtures }).AssertSuccess();

        Assert.Equal(["Valid", "InvalidSignature"], result.Output.Select(o => o.Properties["Status"].Value.ToString()));
        Assert.Equal("RSASSA_PSS_SHA_256", result.Output[0].Properties["Algorithm"].Value);
    }
}
