using System.Management.Automation;
using System.Security.Cryptography;
using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests.Signing;

/// <summary>New-KmsSignature against LocalKms; every signature is checked by openssl, the tool people verify with.</summary>
public sealed class NewKmsSignatureTests(SigningFixture fixture) : IClassFixture<SigningFixture>, IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("kmssig-files-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static Dictionary<string, object?> Vars(params (string Name, object? Value)[] values) => values.ToDictionary(v => v.Name, v => v.Value);

    private string NewFile(string name, int length, int seed = 1)
    {
        var path = Path.Combine(directory, name);
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private async Task<string> PemFileAsync(string arn)
    {
        var path = Path.Combine(directory, $"{arn[(arn.LastIndexOf('/') + 1)..]}.pem");
        await File.WriteAllTextAsync(path, await fixture.PemAsync(arn));
        return path;
    }

    // `| Select-Object -First 1` or a break downstream ends the pipeline without StopProcessing; the cmdlet is only
    // disposed. Signing still in flight then must not write files: nobody sees a result for them.
    [Fact]
    public async Task A_pipeline_ended_downstream_writes_no_signature_for_calls_still_in_flight()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        var files = Enumerable.Range(1, 3).Select(i => NewFile($"early-{i}.bin", 100, i)).ToArray();
        using var faults = fixture.FaultsOnSign(sign => sign.Latency = TimeSpan.FromMilliseconds(1500));
        using var session = fixture.NewSession();

        // Two at a time: files 1 and 2 are signed by t = 1.5 s, file 3 is sent when a slot frees and is still at KMS
        // when file 1's result ends the pipeline.
        var result = session.Run("do { New-KmsSignature -Path $files -KeyId $k -ThrottleLimit 2 @kmsSigner | ForEach-Object { $_; break } } while ($false)",
            Vars(("files", files), ("k", arn))).AssertSuccess();
        await Task.Delay(2500);

        Assert.Equal(files[0], Assert.Single(result.Output).Properties["Path"].Value);
        Assert.True(File.Exists(files[0] + ".sig"));
        Assert.False(File.Exists(files[2] + ".sig"), "a signature was written after the pipeline had ended");
        Assert.True(NoTemporaryFileRemains(), "a prepared signature file was left behind");
    }

    // Select-Object -First ends the commands upstream with StopUpstreamCommandsException: no StopProcessing and no
    // EndProcessing, only Dispose. The run sends nothing more to KMS, and a -Destination folder holds the reported files only.
    [Fact]
    public async Task Select_First_downstream_sends_nothing_more_and_leaves_only_the_reported_files()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        var destination = Directory.CreateDirectory(Path.Combine(directory, "first-dst")).FullName;
        var files = Enumerable.Range(1, 40).Select(i => NewFile($"first-{i:D2}.bin", 100, i)).ToArray();
        using var faults = fixture.FaultsOnSign(sign => sign.Latency = TimeSpan.FromMilliseconds(300));
        using var session = fixture.NewSession();
        var before = fixture.Kms.Counters.Count("Sign");

        var result = session.Run("Import-Module -Assembly $shims; New-KmsSignature -LiteralPath $files -KeyId $k -Destination $dst -ThrottleLimit 4 @kmsSigner | Select-FirstShim 2",
            Vars(("files", files), ("k", arn), ("dst", destination), ("shims", typeof(SelectFirstCommand).Assembly))).AssertSuccess();
        var sent = fixture.Kms.Counters.Count("Sign") - before;
        await Task.Delay(1500); // long enough for a call started after the run to reach LocalKms and be counted

        Assert.Equal(["first-01.bin.sig", "first-02.bin.sig"], result.Output.Select(o => Path.GetFileName((string)o.Properties["SignaturePath"].Value)));
        Assert.Equal(sent, fixture.Kms.Counters.Count("Sign") - before);
        Assert.InRange(sent, 2, 2 + 4 + 2); // the two reported, those in flight, and a slot or two freed as they returned
        Assert.Equal(["first-01.bin.sig", "first-02.bin.sig"], Directory.GetFileSystemEntries(destination).Select(Path.GetFileName).Order());
    }

    // A KMS that cannot be reached fails every later item the same way: the run ends at the first such error, as with
    // -ErrorAction Stop, sends nothing more to KMS, and leaves no signature or prepared file for the items it dropped.
    [Fact]
    public async Task An_unreachable_KMS_ends_the_run_with_one_terminating_error_and_leaves_no_files()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        var files = Enumerable.Range(1, 6).Select(i => NewFile($"unreachable-{i}.bin", 100, i)).ToArray();
        using var faults = fixture.FaultsOnSign(sign => sign.DropConnectionProbability = 1);
        using var session = fixture.NewSession();
        // What one file costs: Sign's own retries, and the HTTP client's over each dropped connection, vary in number.
        var signCalls = fixture.Kms.Counters.Count("Sign");
        session.Run("New-KmsSignature -LiteralPath $f -KeyId $k @kmsSigner", Vars(("f", NewFile("unreachable-alone.bin", 100)), ("k", arn)));
        var perFile = fixture.Kms.Counters.Count("Sign") - signCalls;

        signCalls = fixture.Kms.Counters.Count("Sign");
        var result = session.Run("try { New-KmsSignature -LiteralPath $files -KeyId $k -ThrottleLimit 2 @kmsSigner } catch { $_ }",
            Vars(("files", files), ("k", arn)));
        var sent = fixture.Kms.Counters.Count("Sign") - signCalls;

        Assert.Empty(result.Errors); // nothing non-terminating: the one error was caught as terminating
        var error = Assert.IsType<ErrorRecord>(Assert.Single(result.Output).BaseObject);
        Assert.StartsWith("KmsSignature.KmsEndpointUnreachable", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ConnectionError, error.CategoryInfo.Category);
        Assert.Equal(files[0], error.TargetObject);
        // The two in flight when the first failed, and none of the four after them (slack for the varying retries).
        Assert.True(sent <= 3 * perFile, $"files after the failed one were still sent to KMS: {sent} Sign requests, {perFile} for one file");
        Assert.DoesNotContain(files, f => File.Exists(f + ".sig"));
        Assert.True(NoTemporaryFileRemains(), "a prepared signature file was left behind");
    }

    // Items that failed at once (missing files) wait in the window behind a slow Sign; a break after the first result
    // abandons them. Their errors are dropped on purpose and must not come back as UnobservedTaskException.
    [Fact]
    public async Task A_pipeline_ended_downstream_leaves_no_unobserved_task_exception_for_failed_items()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        var good = NewFile("unobserved-good.bin", 100);
        var missing = Enumerable.Range(1, 3).Select(i => Path.Combine(directory, $"unobserved-missing-{i}.bin"));
        using var faults = fixture.FaultsOnSign(sign => sign.Latency = TimeSpan.FromMilliseconds(700));
        using var session = fixture.NewSession();
        ScriptResult? result = null;

        var unobserved = await UnobservedTaskExceptions.CountAsync(directory, () => result = session.Run(
            "do { New-KmsSignature -LiteralPath $files -KeyId $k -ThrottleLimit 4 @kmsSigner | ForEach-Object { $_; break } } while ($false)",
            Vars(("files", missing.Prepend(good).ToArray()), ("k", arn))));

        Assert.Equal(good, Assert.Single(result!.AssertSuccess().Output).Properties["Path"].Value);
        Assert.Equal(0, unobserved);
    }

    public static TheoryData<string, string?, string> OpensslCases() => new()
    {
        { "RSA_2048", null, "RSASSA_PKCS1_V1_5_SHA_256" },
        { "RSA_2048", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_384" },
        { "RSA_2048", "RSASSA_PKCS1_V1_5_SHA_512", "RSASSA_PKCS1_V1_5_SHA_512" },
        { "RSA_2048", "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_256" },
        { "RSA_2048", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_384" },
        { "RSA_2048", "RSASSA_PSS_SHA_512", "RSASSA_PSS_SHA_512" },
        { "ECC_NIST_P256", null, "ECDSA_SHA_256" },
        { "ECC_NIST_P384", null, "ECDSA_SHA_384" },
        { "ECC_NIST_P521", null, "ECDSA_SHA_512" },
        { "ECC_SECG_P256K1", null, "ECDSA_SHA_256" },
    };

    [Theory]
    [MemberData(nameof(OpensslCases))]
    public async Task Small_and_large_files_verify_with_openssl_and_fail_when_any_byte_is_tampered(string spec, string? algorithm, string expected)
    {
        var arn = await fixture.KeyAsync(spec);
        var pem = await PemFileAsync(arn);
        var small = NewFile($"small-{expected}.bin", 1000);
        var exact = NewFile($"exact-{expected}.bin", 4096, 2);
        var large = NewFile($"large-{expected}.bin", 300_000, 3);
        using var session = fixture.NewSession();
        var result = session.Run("New-KmsSignature -Path $files -KeyId $k @alg @kmsSigner",
            Vars(("files", new[] { small, exact, large }), ("k", arn), ("alg", algorithm is null ? new System.Collections.Hashtable() : new System.Collections.Hashtable { ["Algorithm"] = algorithm }))).AssertSuccess();

        Assert.Equal(3, result.Output.Count);
        Assert.Equal(["RAW", "RAW", "DIGEST"], result.Output.Select(o => (string)o.Properties["MessageType"].Value));
        foreach (var (output, file) in result.Output.Zip(new[] { small, exact, large }))
        {
            Assert.Equal(file, output.Properties["Path"].Value);
            Assert.Equal(file + ".sig", output.Properties["SignaturePath"].Value);
            Assert.Equal(arn, output.Properties["KeyId"].Value);
            Assert.Equal(expected, output.Properties["Algorithm"].Value);
            Assert.Equal(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file))).ToLowerInvariant(), output.Properties["Sha256"].Value);
            Assert.True(Interop.OpensslVerifies(spec, expected, pem, file, file + ".sig"), $"openssl rejected {file}");

            // Tamper with one byte of the file (first, middle, last) and of the signature: openssl must refuse.
            var original = File.ReadAllBytes(file);
            foreach (var index in new[] { 0, original.Length / 2, original.Length - 1 })
            {
                var tampered = (byte[])original.Clone();
                tampered[index] ^= 0x01;
                File.WriteAllBytes(file, tampered);
                Assert.False(Interop.OpensslVerifies(spec, expected, pem, file, file + ".sig"), $"openssl accepted {file} with byte {index} changed");
            }

            File.WriteAllBytes(file, original);
            var signature = File.ReadAllBytes(file + ".sig");
            signature[signature.Length / 2] ^= 0x01;
            File.WriteAllBytes(file + ".tampered.sig", signature);
            Assert.False(Interop.OpensslVerifies(spec, expected, pem, file, file + ".tampered.sig"));
        }
    }

    // The round trip the output type promises: a signature made with a non-default algorithm (RSA-PSS, Ed25519ph) was
    // verified with the key's default one when piped on, and a good signature came back InvalidSignature.
    [Theory]
    [InlineData("RSA_2048", "RSASSA_PSS_SHA_384", 5000)]
    [InlineData("RSA_2048", "RSASSA_PKCS1_V1_5_SHA_512", 100)]
    [InlineData("ECC_NIST_EDWARDS25519", "ED25519_PH_SHA_512", 100)]
    public async Task Piped_on_to_Test_KmsSignature_a_signature_verifies_with_the_algorithm_it_was_made_with(string spec, string algorithm, int length)
    {
        var arn = await fixture.KeyAsync(spec);
        var file = NewFile($"roundtrip-{algorithm}.bin", length);
        using var session = fixture.NewSession();

        var result = session.Run("New-KmsSignature -LiteralPath $f -KeyId $k -Algorithm $a @kmsSigner | Test-KmsSignature -KeyId $k @kmsVerifier",
            Vars(("f", file), ("k", arn), ("a", algorithm))).AssertSuccess();

        var verified = Assert.Single(result.Output);
        Assert.Equal("Valid", verified.Properties["Status"].Value.ToString());
        Assert.Equal(algorithm, verified.Properties["Algorithm"].Value);
    }

    [Fact]
    public async Task Ed25519_files_up_to_4096_bytes_verify_with_openssl_pkeyutl()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_EDWARDS25519");
        var pem = await PemFileAsync(arn);
        var file = NewFile("ed.bin", 4096);
        using var session = fixture.NewSession();
        var result = session.Run("New-KmsSignature -LiteralPath $f -KeyId $k @kmsSigner", Vars(("f", file), ("k", arn))).AssertSuccess();
        Assert.Equal("ED25519_SHA_512", result.Output[0].Properties["Algorithm"].Value);
        Assert.True(Interop.OpensslVerifies("ECC_NIST_EDWARDS25519", "ED25519_SHA_512", pem, file, file + ".sig"));
        var bytes = File.ReadAllBytes(file);
        bytes[100] ^= 0x80;
        File.WriteAllBytes(file, bytes);
        Assert.False(Interop.OpensslVerifies("ECC_NIST_EDWARDS25519", "ED25519_SHA_512", pem, file, file + ".sig"));
    }

    [Fact]
    public async Task Ed25519_file_over_4096_bytes_is_a_clear_error_before_any_KMS_call_unless_Ed25519ph_is_asked_for()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_EDWARDS25519");
        var file = NewFile("ed-large.bin", 4097);
        using var session = fixture.NewSession();
        session.Run("New-KmsSignature -Message ([byte[]](1,2,3)) -KeyId $k @kmsSigner", Vars(("k", arn))).AssertSuccess(); // key known
        var signs = fixture.Kms.Counters.Count("Sign");
        var result = session.Run("New-KmsSignature -Path $f -KeyId $k @kmsSigner", Vars(("f", file), ("k", arn)));
        Assert.Equal("KmsSignature.MessageTooLarge", result.ErrorId());
        Assert.Contains("openssl", result.FirstError()!.Exception.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(file + ".sig"));
        Assert.Equal(signs, fixture.Kms.Counters.Count("Sign"));

        // Explicitly asked for, Ed25519ph signs a digest of any size (openssl 3.0 cannot check it; Test-KmsSignature can).
        var ph = session.Run("New-KmsSignature -Path $f -KeyId $k -Algorithm ED25519_PH_SHA_512 @kmsSigner", Vars(("f", file), ("k", arn))).AssertSuccess();
        Assert.Equal("DIGEST", ph.Output[0].Properties["MessageType"].Value);
        Assert.Equal(64, File.ReadAllBytes(file + ".sig").Length);
    }

    [Theory]
    [InlineData("RSA_2048", "RSASSA_PKCS1_V1_5_SHA_256")]
    [InlineData("RSA_2048", "RSASSA_PSS_SHA_512")]
    [InlineData("ECC_NIST_P256", "ECDSA_SHA_256")]
    [InlineData("ECC_NIST_P521", "ECDSA_SHA_512")]
    public async Task An_empty_file_is_signed_through_its_digest_and_verifies_with_openssl_and_Test_KmsSignature(string spec, string algorithm)
    {
        // KMS Sign refuses an empty RAW message (Message is 1 to 4096 bytes); the digest of nothing gives the same signature.
        var arn = await fixture.KeyAsync(spec);
        var pem = await PemFileAsync(arn);
        var file = NewFile($"empty-{algorithm}.txt", 0);
        using var session = fixture.NewSession();
        var vars = Vars(("f", file), ("k", arn), ("a", algorithm), ("pem", pem));
        var signed = Assert.Single(session.Run("New-KmsSignature -LiteralPath $f -KeyId $k -Algorithm $a @kmsSigner", vars).AssertSuccess().Output);

        Assert.Equal("DIGEST", signed.Properties["MessageType"].Value);
        Assert.Equal(0L, Convert.ToInt64(signed.Properties["Length"].Value));
        Assert.True(Interop.OpensslVerifies(spec, algorithm, pem, file, file + ".sig"), "openssl rejected the signature of the empty file");
        var verified = Assert.Single(session.Run("Test-KmsSignature -LiteralPath $f -PublicKey $pem -Algorithm $a", vars).AssertSuccess().Output);
        Assert.Equal("Valid", verified.Properties["Status"].Value.ToString());
        File.WriteAllBytes(file, [0]);
        Assert.False(Interop.OpensslVerifies(spec, algorithm, pem, file, file + ".sig"));
    }

    [Theory]
    [InlineData("ECC_NIST_P256", true)]
    [InlineData("ECC_NIST_EDWARDS25519", false)]
    public async Task An_empty_message_in_memory_is_signed_through_its_digest_or_refused_before_KMS(string spec, bool hasDigestForm)
    {
        var arn = await fixture.KeyAsync(spec);
        using var session = fixture.NewSession();
        session.Run("New-KmsSignature -Message ([byte[]](1,2,3)) -KeyId $k @kmsSigner", Vars(("k", arn))).AssertSuccess(); // key known
        var signs = fixture.Kms.Counters.Count("Sign");

        var result = session.Run(
            "$s = New-KmsSignature -Message ([byte[]]::new(0)) -KeyId $k @kmsSigner; " +
            "if ($s) { Test-KmsSignature -Message ([byte[]]::new(0)) -Signature $s.Signature -PublicKey (Export-KmsPublicKeyPem -KeyId $k @kmsSigner).Pem }",
            Vars(("k", arn)));

        if (!hasDigestForm)
        {
            Assert.Equal("KmsSignature.EmptyMessage", result.ErrorId());
            Assert.Equal(signs, fixture.Kms.Counters.Count("Sign"));
            return;
        }

        Assert.Equal("Valid", Assert.Single(result.AssertSuccess().Output).Properties["Status"].Value.ToString());
        Assert.Equal(signs + 1, fixture.Kms.Counters.Count("Sign"));
    }

    [Theory]
    [InlineData("ECC_NIST_EDWARDS25519")]
    [InlineData("ML_DSA_44")]
    public async Task An_empty_file_with_a_key_that_cannot_sign_a_digest_is_a_clear_error_before_any_KMS_call(string spec)
    {
        var arn = await fixture.KeyAsync(spec);
        var file = NewFile($"empty-{spec}.txt", 0);
        using var session = fixture.NewSession();
        session.Run("New-KmsSignature -Message ([byte[]](1,2,3)) -KeyId $k @kmsSigner", Vars(("k", arn))).AssertSuccess(); // key known
        var signs = fixture.Kms.Counters.Count("Sign");

        var result = session.Run("New-KmsSignature -LiteralPath $f -KeyId $k @kmsSigner", Vars(("f", file), ("k", arn)));

        Assert.Equal("KmsSignature.EmptyMessage", result.ErrorId());
        Assert.Equal(ErrorCategory.InvalidArgument, result.FirstError()!.CategoryInfo.Category);
        Assert.Equal(file, result.FirstError()!.TargetObject);
        Assert.False(File.Exists(file + ".sig"));
        Assert.Equal(signs, fixture.Kms.Counters.Count("Sign"));
    }

    // A file shorter than the length it had when opened (truncated while being read; a sysfs file, which always says 4096
    // bytes, is one every Linux has) was FileUnreadable "Unable to read beyond the end of the stream", where one that grew is
    // FileChanged: a change of length while signing is one error, whichever way it went.
    [Fact]
    public async Task A_file_shorter_than_its_length_when_opened_is_FileChanged_before_any_KMS_call()
    {
        const string shrinking = "/sys/devices/system/cpu/online";
        if (!OperatingSystem.IsLinux() || !File.Exists(shrinking) || new FileInfo(shrinking).Length <= File.ReadAllText(shrinking).Length)
        {
            return; // no file here whose content is shorter than its length
        }

        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        var destination = Path.Combine(directory, "online.sig");
        using var session = fixture.NewSession();
        session.Run("New-KmsSignature -Message ([byte[]](1,2,3)) -KeyId $k @kmsSigner", Vars(("k", arn))).AssertSuccess(); // key known
        var signs = fixture.Kms.Counters.Count("Sign");

        var result = session.Run("New-KmsSignature -LiteralPath $f -KeyId $k -Destination $d @kmsSigner", Vars(("f", shrinking), ("k", arn), ("d", destination)));

        Assert.Equal("KmsSignature.FileChanged", result.ErrorId());
        Assert.Equal(ErrorCategory.ReadError, result.FirstError()!.CategoryInfo.Category);
        Assert.Equal(shrinking, result.FirstError()!.TargetObject);
        Assert.Contains("shrank", result.FirstError()!.Exception.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(destination));
        Assert.Equal(signs, fixture.Kms.Counters.Count("Sign"));
    }

    [Fact]
    public async Task Existing_signature_is_not_overwritten_without_Force_and_nothing_is_signed()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        var file = NewFile("keep.bin", 10);
        File.WriteAllText(file + ".sig", "original");
        using var session = fixture.NewSession();
        session.Run("New-KmsSignature -Message ([byte[]](1)) -KeyId $k @kmsSigner", Vars(("k", arn))).AssertSuccess();
        var signs = fixture.Kms.Counters.Count("Sign");
        var result = session.Run("New-KmsSignature -Path $f -KeyId $k @kmsSigner", Vars(("f", file), ("k", arn)));
        Assert.Equal("KmsSignature.SignatureFileExists", result.ErrorId());
        Assert.Equal(ErrorCategory.ResourceExists, result.FirstError()!.CategoryInfo.Category);
        Assert.Equal(file + ".sig", result.FirstError()!.TargetObject);
        Assert.Equal("original", File.ReadAllText(file + ".sig"));
        Assert.Equal(signs, fixture.Kms.Counters.Count("Sign"));

        session.Run("New-KmsSignature -Path $f -KeyId $k -Force @kmsSigner", Vars(("f", file), ("k", arn))).AssertSuccess();
        Assert.Equal("Valid", session.Run("(Test-KmsSignature -LiteralPath $f -PublicKey (Export-KmsPublicKeyPem -KeyId $k @kmsSigner)).Status", Vars(("f", file), ("k", arn)))
            .AssertSuccess().Output.Single().ToString());
        Assert.Equal(signs + 1, fixture.Kms.Counters.Count("Sign"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("-Force")]
    public async Task Two_inputs_with_one_signature_path_sign_the_first_and_refuse_the_second_before_KMS(string force)
    {
        // a/x.txt and b/x.txt both map to <Destination>/x.txt.sig: the second must never overwrite the first's signature.
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        var pem = await PemFileAsync(arn);
        var run = Directory.CreateDirectory(Path.Combine(directory, "same-name" + force)).FullName;
        var a = Path.Combine(Directory.CreateDirectory(Path.Combine(run, "a")).FullName, "x.txt");
        var b = Path.Combine(Directory.CreateDirectory(Path.Combine(run, "b")).FullName, "x.txt");
        File.WriteAllText(a, "content A");
        File.WriteAllText(b, "content B");
        var sigs = Directory.CreateDirectory(Path.Combine(run, "sigs")).FullName;
        var single = Path.Combine(run, "one.sig");
        using var session = fixture.NewSession();
        session.Run("New-KmsSignature -Message ([byte[]](1)) -KeyId $k @kmsSigner", Vars(("k", arn))).AssertSuccess(); // key known
        var vars = Vars(("a", a), ("b", b), ("k", arn), ("d", sigs), ("one", single), ("pem", pem));
        var signs = fixture.Kms.Counters.Count("Sign");

        var result = session.Run($"New-KmsSignature -LiteralPath $a, $b -Destination $d -KeyId $k {force} @kmsSigner", vars);

        var output = Assert.Single(result.Output);
        Assert.Equal(a, output.Properties["Path"].Value);
        Assert.Equal(Path.Combine(sigs, "x.txt.sig"), output.Properties["SignaturePath"].Value);
        var error = Assert.Single(result.Errors);
        Assert.Equal("KmsSignature.DuplicateSignaturePath", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(ErrorCategory.ResourceExists, error.CategoryInfo.Category);
        Assert.Equal(b, error.TargetObject);
        Assert.Contains(a, error.ToString(), StringComparison.Ordinal);
        Assert.Equal(signs + 1, fixture.Kms.Counters.Count("Sign"));
        Assert.Equal(["x.txt.sig"], Directory.GetFiles(sigs).Select(Path.GetFileName));
        Assert.True(Interop.OpensslVerifies("ECC_NIST_P256", "ECDSA_SHA_256", pem, a, Path.Combine(sigs, "x.txt.sig")));

        // A -Destination file for several inputs is the same collision.
        signs = fixture.Kms.Counters.Count("Sign");
        var toFile = session.Run($"New-KmsSignature -LiteralPath $a, $b -Destination $one -KeyId $k {force} @kmsSigner", vars);
        Assert.Equal(a, Assert.Single(toFile.Output).Properties["Path"].Value);
        Assert.Equal("KmsSignature.DuplicateSignaturePath", toFile.ErrorId());
        Assert.Equal(b, toFile.FirstError()!.TargetObject);
        Assert.Equal(signs + 1, fixture.Kms.Counters.Count("Sign"));
        Assert.True(Interop.OpensslVerifies("ECC_NIST_P256", "ECDSA_SHA_256", pem, a, single));
    }

    // Keys piped to -Message with one -Destination file: each would sign and write that one file, the later ones replacing
    // the first with -Force or failing after their KMS call with a misleading "pass -Force to replace it" without.
    [Theory]
    [InlineData("")]
    [InlineData("-Force")]
    public async Task Piped_keys_signing_a_message_into_one_Destination_sign_the_first_and_refuse_the_others_before_KMS(string force)
    {
        var ec = await fixture.KeyAsync("ECC_NIST_P256");
        var rsa = await fixture.KeyAsync("RSA_2048");
        var pem = await PemFileAsync(ec);
        var message = NewFile("message-one-destination.bin", 100);
        var single = Path.Combine(directory, $"message{force}.sig");
        using var session = fixture.NewSession();
        var vars = Vars(("keys", new[] { ec, rsa }), ("m", File.ReadAllBytes(message)), ("one", single));
        session.Run("Get-KmsSigningKey -KeyId $keys @kmsAdmin | New-KmsSignature -Message ([byte[]](1)) @kmsSigner", vars).AssertSuccess(); // keys known
        var signs = fixture.Kms.Counters.Count("Sign");

        var result = session.Run($"Get-KmsSigningKey -KeyId $keys @kmsAdmin | New-KmsSignature -Message $m -Destination $one {force} @kmsSigner", vars);

        Assert.Equal(ec, Assert.Single(result.Output).Properties["KeyId"].Value);
        Assert.Equal("KmsSignature.DuplicateSignaturePath", result.ErrorId());
        Assert.Equal(single, result.FirstError()!.TargetObject);
        Assert.Equal(ErrorCategory.ResourceExists, result.FirstError()!.CategoryInfo.Category);
        Assert.Equal(signs + 1, fixture.Kms.Counters.Count("Sign"));
        Assert.True(Interop.OpensslVerifies("ECC_NIST_P256", "ECDSA_SHA_256", pem, message, single));
    }

    [Fact]
    public async Task A_Destination_that_is_the_input_file_itself_is_refused_even_with_Force()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        var file = NewFile("self.bin", 10);
        var original = File.ReadAllBytes(file);
        using var session = fixture.NewSession();
        session.Run("New-KmsSignature -Message ([byte[]](1)) -KeyId $k @kmsSigner", Vars(("k", arn))).AssertSuccess(); // key known
        var signs = fixture.Kms.Counters.Count("Sign");

        var result = session.Run("New-KmsSignature -LiteralPath $f -Destination $f -KeyId $k -Force @kmsSigner", Vars(("f", file), ("k", arn)));

        Assert.Empty(result.Output);
        Assert.Equal("KmsSignature.SignaturePathIsInput", result.ErrorId());
        Assert.Equal(ErrorCategory.InvalidArgument, result.FirstError()!.CategoryInfo.Category);
        Assert.Equal(file, result.FirstError()!.TargetObject);
        Assert.Equal(original, File.ReadAllBytes(file));
        Assert.Equal(signs, fixture.Kms.Counters.Count("Sign"));
    }

    // -Force through a symbolic link replaces the file it points to (as Set-Content does), not the link.
    [Fact]
    public async Task Force_through_a_symbolic_link_writes_the_signature_to_the_file_it_points_to()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        var file = NewFile("linked.bin", 100);
        var real = Path.Combine(directory, "linked.bin.sig.2026");
        File.WriteAllBytes(real, [0]);
        File.CreateSymbolicLink(file + ".sig", "linked.bin.sig.2026");
        using var session = fixture.NewSession();

        var result = session.Run("New-KmsSignature -LiteralPath $f -KeyId $k -Force @kmsSigner", Vars(("f", file), ("k", arn))).AssertSuccess();

        Assert.Equal("linked.bin.sig.2026", new FileInfo(file + ".sig").LinkTarget);
        Assert.Equal((byte[])Assert.Single(result.Output).Properties["Signature"].Value, File.ReadAllBytes(real));
    }

    // The same check through a symbolic link to the file's directory: the paths differ as text, so -Force renamed the
    // signature over the directory entry of the input and the file was replaced by its own signature.
    [Fact]
    public async Task A_Destination_that_reaches_the_input_file_through_a_linked_directory_is_refused_even_with_Force()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        var real = Directory.CreateDirectory(Path.Combine(directory, "real")).FullName;
        var alias = Path.Combine(directory, "alias");
        Directory.CreateSymbolicLink(alias, real);
        var file = Path.Combine(real, "release.bin");
        File.WriteAllBytes(file, [1, 2, 3, 4]);
        using var session = fixture.NewSession();
        session.Run("New-KmsSignature -Message ([byte[]](1)) -KeyId $k @kmsSigner", Vars(("k", arn))).AssertSuccess(); // key known
        var signs = fixture.Kms.Counters.Count("Sign");

        var result = session.Run("New-KmsSignature -LiteralPath $f -Destination $d -KeyId $k -Force @kmsSigner",
            Vars(("f", file), ("d", Path.Combine(alias, "release.bin")), ("k", arn)));

        Assert.Empty(result.Output);
        Assert.Equal("KmsSignature.SignaturePathIsInput", result.ErrorId());
        Assert.Equal(ErrorCategory.InvalidArgument, result.FirstError()!.CategoryInfo.Category);
        Assert.Equal(file, result.FirstError()!.TargetObject);
        Assert.Equal([1, 2, 3, 4], File.ReadAllBytes(file));
        Assert.Equal(signs, fixture.Kms.Counters.Count("Sign"));
    }

    // notes.txt/x.sig said "The directory '.../notes.txt' for the signature file does not exist", though it does: as a file.
    [Theory]
    [InlineData("x.sig")]
    [InlineData("sub/x.sig")]
    public async Task A_destination_under_a_file_is_ParentIsFile_naming_that_file_before_any_KMS_call(string below)
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        var file = NewFile("parent-is-file.bin", 100);
        var notes = NewFile("notes.txt", 10);
        var destination = Path.Combine(notes, below);
        var signs = fixture.Kms.Counters.Count("Sign");
        using var session = fixture.NewSession();

        var result = session.Run("New-KmsSignature -LiteralPath $f -Destination $d -KeyId $k @kmsSigner", Vars(("f", file), ("d", destination), ("k", arn)));

        Assert.Empty(result.Output);
        Assert.Equal("KmsSignature.ParentIsFile", result.ErrorId());
        Assert.Equal(ErrorCategory.InvalidArgument, result.FirstError()!.CategoryInfo.Category);
        Assert.Equal(destination, result.FirstError()!.TargetObject);
        Assert.Equal($"Cannot write '{destination}': '{notes}' is a file, not a directory.", result.FirstError()!.Exception.Message);
        Assert.Equal(signs, fixture.Kms.Counters.Count("Sign"));
    }

    // A NUL in a path reached Path.GetFullPath and escaped as a raw ArgumentException: category NotSpecified, no target.
    [Theory]
    [InlineData("-LiteralPath \"$d/a`0b.bin\"", "a\0b.bin")]
    [InlineData("-LiteralPath $f -Destination \"$d/a`0b.sig\"", "a\0b.sig")]
    public async Task A_path_with_a_NUL_character_is_an_InvalidPath_error(string arguments, string badName)
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        var file = NewFile("nul.bin", 10);
        using var session = fixture.NewSession();

        var result = session.Run($"New-KmsSignature {arguments} -KeyId $k @kmsSigner", Vars(("f", file), ("d", directory), ("k", arn)));

        Assert.Empty(result.Output);
        Assert.Equal("KmsSignature.InvalidPath", result.ErrorId());
        Assert.Equal(ErrorCategory.InvalidArgument, result.FirstError()!.CategoryInfo.Category);
        Assert.Equal(directory + "/" + badName, result.FirstError()!.TargetObject);
    }

    [Theory]
    [InlineData("-LiteralPath $f")]
    [InlineData("-Message ([byte[]](1, 2, 3))")]
    public async Task A_Destination_of_another_provider_is_refused_before_any_KMS_call(string input)
    {
        // Variable:\x resolves to the bare name "x", which was written as a file in the process's working directory.
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        var file = NewFile("provider.bin", 10);
        using var session = fixture.NewSession();
        var signs = fixture.Kms.Counters.Count("Sign");

        var result = session.Run($"New-KmsSignature {input} -Destination Variable:\\sig-provider-probe -KeyId $k @kmsSigner", Vars(("f", file), ("k", arn)));

        Assert.Empty(result.Output);
        Assert.Equal("KmsSignature.NotAFileSystemPath", result.ErrorId());
        Assert.Equal(ErrorCategory.InvalidArgument, result.FirstError()!.CategoryInfo.Category);
        Assert.Equal("Variable:\\sig-provider-probe", result.FirstError()!.TargetObject);
        Assert.False(File.Exists(Path.Combine(Environment.CurrentDirectory, "sig-provider-probe")));
        Assert.Equal(["provider.bin"], Directory.GetFiles(directory).Select(Path.GetFileName));
        Assert.Equal(signs, fixture.Kms.Counters.Count("Sign"));
    }

    [Fact]
    public async Task Failed_signing_leaves_no_signature_and_no_temporary_file()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        var file = NewFile("denied.bin", 10);
        using var session = fixture.NewSession();
        var result = session.Run("New-KmsSignature -Path $f -KeyId $k @kmsVerifier", Vars(("f", file), ("k", arn)));
        Assert.Equal("KmsSignature.KmsAccessDenied", result.ErrorId());
        Assert.Equal(ErrorCategory.PermissionDenied, result.FirstError()!.CategoryInfo.Category);
        Assert.Equal(["denied.bin"], Directory.GetFiles(directory).Select(Path.GetFileName));
    }

    // The temporary file was named ".<signature file name>.<32 hex>.tmp", 38 characters longer than the signature file:
    // a file whose .sig name fits the file system's 255-byte limit failed with KmsSignature.OutputNotWritable
    // ("File name too long") after KMS had signed it.
    [Fact]
    public async Task A_file_whose_signature_file_name_is_near_the_name_length_limit_is_signed()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        var pem = await PemFileAsync(arn);
        var file = NewFile(new string('n', 247) + ".bin", 100); // <file>.sig: 255 characters, the most ext4 and NTFS take
        using var session = fixture.NewSession();

        var result = session.Run("New-KmsSignature -LiteralPath $f -KeyId $k -Encoding Base64 @kmsSigner", Vars(("f", file), ("k", arn))).AssertSuccess();

        Assert.Equal(file + ".sig", Assert.Single(result.Output).Properties["SignaturePath"].Value);
        var binary = Path.Combine(directory, "long-name-decoded.sig");
        File.WriteAllBytes(binary, Convert.FromBase64String(File.ReadAllText(file + ".sig")));
        Assert.True(Interop.OpensslVerifies("ECC_NIST_P256", "ECDSA_SHA_256", pem, file, binary));
        Assert.DoesNotContain(Directory.GetFiles(directory), f => f.EndsWith(".tmp", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Written_atomically_with_no_temporary_files_left_and_Base64_encoding_on_request()
    {
        var arn = await fixture.KeyAsync("RSA_2048");
        var pem = await PemFileAsync(arn);
        var file = NewFile("b64.bin", 5000);
        var destination = Path.Combine(directory, "out.sig.b64");
        using var session = fixture.NewSession();
        var result = session.Run("New-KmsSignature -Path $f -KeyId $k -Destination $d -Encoding Base64 @kmsSigner", Vars(("f", file), ("k", arn), ("d", destination))).AssertSuccess();
        Assert.Equal(destination, result.Output[0].Properties["SignaturePath"].Value);
        var text = File.ReadAllText(destination);
        Assert.EndsWith("\n", text);
        var binary = Path.Combine(directory, "decoded.sig");
        File.WriteAllBytes(binary, Convert.FromBase64String(text.Trim()));
        Assert.True(Interop.OpensslVerifies("RSA_2048", "RSASSA_PKCS1_V1_5_SHA_256", pem, file, binary));
        Assert.DoesNotContain(Directory.GetFiles(directory), f => f.EndsWith(".tmp", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Wildcards_and_piped_objects_sign_each_file_in_order_and_a_directory_destination_collects_them()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        var files = Enumerable.Range(0, 12).Select(i => NewFile($"w{i:D2}.txt", 100 + i * 700, i)).ToArray();
        var sigs = Directory.CreateDirectory(Path.Combine(directory, "sigs")).FullName;
        using var session = fixture.NewSession();
        var wild = session.Run("New-KmsSignature -Path ([IO.Path]::Combine($dir, 'w*.txt')) -KeyId $k -Destination $sigs @kmsSigner",
            Vars(("dir", directory), ("k", arn), ("sigs", sigs))).AssertSuccess();
        Assert.Equal(files, wild.Output.Select(o => (string)o.Properties["Path"].Value));
        Assert.All(files, f => Assert.True(File.Exists(Path.Combine(sigs, Path.GetFileName(f) + ".sig"))));

        // Get-ChildItem output binds -LiteralPath by PSPath; a bare FileInfo binds it by FullName.
        var piped = session.Run("""
            $files | ForEach-Object { [pscustomobject]@{ PSPath = "Microsoft.PowerShell.Core\FileSystem::$_" } } | New-KmsSignature -KeyId $k -Force @kmsSigner
            [IO.DirectoryInfo]::new($dir).GetFiles('w0*.txt') | New-KmsSignature -KeyId $k -Force @kmsSigner
            """, Vars(("files", files), ("dir", directory), ("k", arn))).AssertSuccess();
        var paths = piped.Output.Select(o => (string)o.Properties["Path"].Value).ToArray();
        Assert.Equal(files, paths[..12]);
        Assert.Equal(files.Where(f => Path.GetFileName(f).StartsWith("w0", StringComparison.Ordinal)), paths[12..].Order(StringComparer.Ordinal)); // GetFiles has no order

        var missing = session.Run("New-KmsSignature -Path ([IO.Path]::Combine($dir, 'nothing*.bin')) -KeyId $k @kmsSigner", Vars(("dir", directory), ("k", arn)));
        Assert.Equal("KmsSignature.FileNotFound", missing.ErrorId());
    }

    // A FileInfo (or any object with FullName) is a file, not a pattern: coerced to -Path, "x[1].txt" matched "x1.txt"
    // and the wrong file was signed.
    [Fact]
    public async Task A_piped_file_object_is_taken_literally_by_its_FullName_not_as_a_wildcard()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        var bracketed = NewFile("x[1].txt", 10, 1);
        var lookalike = NewFile("x1.txt", 10, 2);
        using var session = fixture.NewSession();

        var fileInfo = session.Run("[IO.FileInfo]::new($f) | New-KmsSignature -KeyId $k @kmsSigner", Vars(("f", bracketed), ("k", arn))).AssertSuccess();
        Assert.Equal(bracketed, Assert.Single(fileInfo.Output).Properties["Path"].Value);
        Assert.True(File.Exists(bracketed + ".sig"));
        Assert.False(File.Exists(lookalike + ".sig"), "the wildcard look-alike was signed instead of the piped file");

        var custom = session.Run("[pscustomobject]@{ FullName = $f } | New-KmsSignature -KeyId $k -Force @kmsSigner", Vars(("f", bracketed), ("k", arn))).AssertSuccess();
        Assert.Equal(bracketed, Assert.Single(custom.Output).Properties["Path"].Value);
        Assert.False(File.Exists(lookalike + ".sig"));

        // Bound to -LiteralPath, a file gone since it was listed is that file, not a pattern that matches nothing.
        var gone = Path.Combine(directory, "gone[1].txt");
        var missing = session.Run("[IO.FileInfo]::new($f) | New-KmsSignature -KeyId $k @kmsSigner", Vars(("f", gone), ("k", arn)));
        Assert.Equal("KmsSignature.FileNotFound", missing.ErrorId());
        Assert.Equal(gone, missing.FirstError()!.TargetObject);
    }

    // Get-KmsSigningKey and New-KmsSigningKey output pipes by property name into New-KmsSignature, as their help says;
    // each piped key signs with its own key, not the first one's.
    [Fact]
    public async Task Piped_key_objects_bind_KeyId_and_each_signs_with_its_own_key()
    {
        var ec = await fixture.KeyAsync("ECC_NIST_P256");
        var rsa = await fixture.KeyAsync("RSA_2048");
        var file = NewFile("piped-key.bin", 100);
        using var session = fixture.NewSession();

        var one = session.Run("Get-KmsSigningKey -KeyId $k @kmsAdmin | New-KmsSignature -Path $f @kmsSigner", Vars(("k", ec), ("f", file))).AssertSuccess();
        var signed = Assert.Single(one.Output);
        Assert.Equal(ec, signed.Properties["KeyId"].Value);
        Assert.True(Interop.OpensslVerifies("ECC_NIST_P256", "ECDSA_SHA_256", await PemFileAsync(ec), file, file + ".sig"));

        var two = session.Run("Get-KmsSigningKey -KeyId $keys @kmsAdmin | New-KmsSignature -Message ([byte[]](1, 2, 3)) @kmsSigner",
            Vars(("keys", new[] { ec, rsa }))).AssertSuccess();
        Assert.Equal([ec, rsa], two.Output.Select(o => (string)o.Properties["KeyId"].Value));
        Assert.Equal(["ECDSA_SHA_256", "RSASSA_PKCS1_V1_5_SHA_256"], two.Output.Select(o => (string)o.Properties["Algorithm"].Value));
    }

    // A key piped in that cannot be used fails its own items only; the same key on the command line ends the run.
    [Fact]
    public async Task A_piped_key_that_cannot_sign_fails_its_own_items_and_the_other_keys_sign_on()
    {
        var ec = await fixture.KeyAsync("ECC_NIST_P256");
        var rsa = await fixture.KeyAsync("RSA_2048");
        using var session = fixture.NewSession();

        var result = session.Run("Get-KmsSigningKey -KeyId $keys @kmsAdmin | New-KmsSignature -Message ([byte[]](1, 2, 3)) -Algorithm ECDSA_SHA_256 @kmsSigner",
            Vars(("keys", new[] { ec, rsa, ec })));

        Assert.Equal([ec, ec], result.Output.Select(o => (string)o.Properties["KeyId"].Value));
        var error = Assert.Single(result.Errors);
        Assert.Equal("KmsSignature.AlgorithmDoesNotFitKey", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Null(result.Terminating);

        // Named on the command line, the key can sign nothing: one error ends the run, not one error per file.
        var files = new[] { NewFile("unusable-a.bin", 10), NewFile("unusable-b.bin", 10) };
        var named = session.Run("New-KmsSignature -Path $files -KeyId $k -Algorithm ECDSA_SHA_256 @kmsSigner", Vars(("files", files), ("k", rsa)));
        Assert.Empty(named.Output);
        Assert.Equal("KmsSignature.AlgorithmDoesNotFitKey", named.FirstError()!.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(1, named.Errors.Count + (named.Terminating is null ? 0 : 1));
    }

    [Fact]
    public async Task Throttled_bulk_signing_signs_every_file_once_in_input_order()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        var files = Enumerable.Range(0, 60).Select(i => NewFile($"t{i:D2}.bin", 64 + i, i)).ToArray();
        using var faults = fixture.FaultsOnSign(sign => sign.RequestsPerSecond = 20);
        using var session = fixture.NewSession();
        var before = fixture.Kms.Counters.Count("Sign");
        var result = session.Run("$files | New-KmsSignature -KeyId $k -ThrottleLimit 16 @kmsSigner", Vars(("files", files), ("k", arn))).AssertSuccess();
        Assert.Equal(files, result.Output.Select(o => (string)o.Properties["Path"].Value));
        Assert.All(files, f => Assert.True(File.Exists(f + ".sig")));
        Assert.True(fixture.Kms.Counters.Count("Sign") - before > files.Length, "KMS never throttled: the test did not test throttling");
    }

    // Re-signing what failed verification: a file result used to bind as its text ("InvalidSignature: ...") to -Path, a
    // FileNotFound for a file that never existed. Its FullName binds -LiteralPath, so "[1]" is not a wildcard either.
    [Fact]
    public async Task Verification_results_piped_in_re_sign_their_files_literally()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        var kept = NewFile("resign-kept.bin", 10, 1);
        var changed = NewFile("resign[1].bin", 10, 2);
        var lookalike = NewFile("resign1.bin", 10, 3);
        using var session = fixture.NewSession();
        var vars = Vars(("k", arn), ("files", new[] { kept, changed, lookalike }), ("changed", changed));
        session.Run("$files | ForEach-Object { New-KmsSignature -LiteralPath $_ -KeyId $k @kmsSigner } | Out-Null", vars).AssertSuccess();
        File.WriteAllBytes(changed, [1, 2, 3]);
        var lookalikeSignature = File.ReadAllBytes(lookalike + ".sig");

        var result = session.Run(
            "Test-KmsSignature -LiteralPath $files -KeyId $k @kmsSigner | Where-Object { -not $_.IsValid } | New-KmsSignature -KeyId $k -Force @kmsSigner",
            vars).AssertSuccess();

        Assert.Equal(changed, Assert.Single(result.Output).Properties["Path"].Value);
        Assert.Equal(lookalikeSignature, File.ReadAllBytes(lookalike + ".sig"));
        Assert.Equal(true, session.Run("(Test-KmsSignature -LiteralPath $changed -KeyId $k @kmsSigner).IsValid", vars).AssertSuccess().Output.Single().BaseObject);
    }

    [Fact]
    public async Task WhatIf_signs_nothing_writes_nothing_and_calls_no_KMS_operation()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        var file = NewFile("whatif.bin", 10);
        using var session = fixture.NewSession();
        var total = fixture.Kms.Counters.Total;
        var result = session.Run("New-KmsSignature -Path $f -KeyId $k -WhatIf @kmsSigner", Vars(("f", file), ("k", arn))).AssertSuccess();
        Assert.Empty(result.Output);
        Assert.False(File.Exists(file + ".sig"));
        Assert.Equal(total, fixture.Kms.Counters.Total);
    }

    // -WhatIf said it would sign a directory and an earlier input's own signature file, which the real run refuses
    // before any KMS call; they are now those items' errors under -WhatIf too, in their places.
    [Fact]
    public async Task WhatIf_reports_as_errors_the_items_the_real_run_refuses_before_any_KMS_call()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        var dir = Directory.CreateDirectory(Path.Combine(directory, "whatif-mixed")).FullName;
        File.WriteAllText(Path.Combine(dir, "a.txt"), "a");
        File.WriteAllText(Path.Combine(dir, "a.txt.sig"), "stale");
        Directory.CreateDirectory(Path.Combine(dir, "sub"));
        var console = new TextHost(300);
        using var session = fixture.NewSession(console);
        var vars = Vars(("d", dir), ("k", arn));
        var total = fixture.Kms.Counters.Total;

        var whatIf = session.Run("New-KmsSignature -Path ([IO.Path]::Combine($d, '*')) -KeyId $k -Force -WhatIf @kmsSigner", vars);

        var errors = whatIf.Errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0]).ToList();
        Assert.Equal(["KmsSignature.DuplicateSignaturePath", "KmsSignature.PathIsDirectory"], errors.Order(StringComparer.Ordinal));
        var said = Assert.Single(console.Text.Split('\n'), l => l.StartsWith("What if:", StringComparison.Ordinal));
        Assert.Contains(Path.Combine(dir, "a.txt.sig"), said, StringComparison.Ordinal);
        Assert.Equal(total, fixture.Kms.Counters.Total);
        Assert.Equal("stale", File.ReadAllText(Path.Combine(dir, "a.txt.sig")));

        var real = session.Run("New-KmsSignature -Path ([IO.Path]::Combine($d, '*')) -KeyId $k -Force @kmsSigner", vars);
        Assert.Equal(errors, real.Errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0]));
        Assert.Equal(Path.Combine(dir, "a.txt"), Assert.Single(real.Output).Properties["Path"].Value);
    }

    // Resolve-Path's PathInfo names one resolved file, also inside a list given to -Path: '[pi].bin' signed pi.bin.
    [Fact]
    public async Task Resolved_paths_in_a_list_given_to_Path_name_their_own_files_even_with_brackets()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        var bracketed = NewFile("[pi].bin", 10, 1);
        var plain = NewFile("p.bin", 10, 2);
        using var session = fixture.NewSession();

        var result = session.Run("""
            $list = [System.Collections.Generic.List[object]]::new()
            $list.AddRange($ExecutionContext.SessionState.Path.GetResolvedPSPathFromPSPath([WildcardPattern]::Escape($b)))
            New-KmsSignature -Path $list -KeyId $k @kmsSigner
            """, Vars(("b", bracketed), ("k", arn))).AssertSuccess();

        Assert.Equal(bracketed, Assert.Single(result.Output).Properties["Path"].Value);
        Assert.False(File.Exists(plain + ".sig"));
    }

    // Declining an item at -Confirm kept its claim on the signature path it would have written, so a later item writing
    // that path was refused as a duplicate of a signature never made, without being asked about.
    [Fact]
    public async Task An_item_declined_at_Confirm_leaves_its_signature_path_to_a_later_item()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        var a = Directory.CreateDirectory(Path.Combine(directory, "confirm-a")).FullName;
        var b = Directory.CreateDirectory(Path.Combine(directory, "confirm-b")).FullName;
        var output = Directory.CreateDirectory(Path.Combine(directory, "confirm-out")).FullName;
        File.WriteAllText(Path.Combine(a, "x.txt"), "a");
        File.WriteAllText(Path.Combine(b, "x.txt"), "b");
        var asked = new List<string>();
        var console = new TextHost(300)
        {
            Choose = (_, message, choices) =>
            {
                asked.Add(message);
                var answer = asked.Count == 1 ? "No" : "Yes";
                return choices.ToList().FindIndex(c => c.Label.Replace("&", string.Empty, StringComparison.Ordinal) == answer);
            },
        };
        using var session = fixture.NewSession(console);
        var vars = Vars(("a", Path.Combine(a, "x.txt")), ("b", Path.Combine(b, "x.txt")), ("o", output), ("k", arn));

        var result = session.Run("New-KmsSignature -LiteralPath $a, $b -Destination $o -KeyId $k -Confirm @kmsSigner", vars).AssertSuccess();

        Assert.Equal(2, asked.Count);
        Assert.Equal(Path.Combine(b, "x.txt"), Assert.Single(result.Output).Properties["Path"].Value);
        Assert.Equal(true, session.Run("(Test-KmsSignature -LiteralPath $b -SignaturePath ([IO.Path]::Combine($o, 'x.txt.sig')) -KeyId $k @kmsSigner).IsValid", vars)
            .AssertSuccess().Output.Single().BaseObject);

        // Under -WhatIf both are shown, and the second is the duplicate it would be.
        var whatIf = session.Run("New-KmsSignature -LiteralPath $a, $b -Destination $o -KeyId $k -Force -WhatIf @kmsSigner", vars);
        Assert.Equal("KmsSignature.DuplicateSignaturePath", whatIf.ErrorId());
    }

    [Fact]
    public async Task Message_bytes_return_the_signature_and_write_it_only_to_a_Destination()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var session = fixture.NewSession();
        var result = session.Run("New-KmsSignature -Message ([Text.Encoding]::UTF8.GetBytes('hello')) -KeyId $k @kmsSigner", Vars(("k", arn))).AssertSuccess();
        var signature = (byte[])result.Output[0].Properties["Signature"].Value;
        Assert.Null(result.Output[0].Properties["Path"].Value);
        Assert.Null(result.Output[0].Properties["SignaturePath"].Value);
        using var ec = ECDsa.Create();
        ec.ImportFromPem(await fixture.PemAsync(arn));
        Assert.True(ec.VerifyData("hello"u8, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
    }

    [Fact]
    public async Task Unknown_algorithm_for_the_key_is_refused_before_signing()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        var file = NewFile("alg.bin", 10);
        using var session = fixture.NewSession();
        var result = session.Run("New-KmsSignature -Path $f -KeyId $k -Algorithm RSASSA_PSS_SHA_256 @kmsSigner", Vars(("f", file), ("k", arn)));
        Assert.Equal("KmsSignature.AlgorithmDoesNotFitKey", result.ErrorId());
        Assert.False(File.Exists(file + ".sig"));
    }

    // A path on a drive that does not exist threw DriveNotFoundException out of ProcessRecord: the statement ended and
    // no file of the run was signed. A -LiteralPath on another provider (Variable:\k) became the bare name 'k',
    // resolved against the process's working directory, where it could sign an unrelated file. Either is now one
    // item's error, in its place among the results, and the other files are signed.
    [Theory]
    [InlineData("-Path")]
    [InlineData("-LiteralPath")]
    public async Task A_path_that_is_no_file_system_path_is_one_item_error_in_its_place_and_the_rest_is_signed(string parameter)
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        var a = NewFile("first.bin", 10, 1);
        var b = NewFile("last.bin", 10, 2);
        using var faults = fixture.FaultsOnSign(sign => sign.Latency = TimeSpan.FromMilliseconds(300));
        using var session = fixture.NewSession();
        var result = session.Run($"New-KmsSignature {parameter} $a, 'nosuchdrive:\\x.bin', 'Variable:\\k', $b -KeyId $k @kmsSigner 2>&1 | ForEach-Object {{ if ($_ -is [Management.Automation.ErrorRecord]) {{ 'error:' + $_.FullyQualifiedErrorId.Split(',')[0] + ':' + $_.TargetObject }} else {{ $_.Path }} }}",
            Vars(("a", a), ("b", b), ("k", arn))).AssertSuccess();
        Assert.Equal([a, "error:KmsSignature.FileNotFound:nosuchdrive:\\x.bin", "error:KmsSignature.NotAFileSystemPath:Variable:\\k", b],
            result.Output.Select(o => o.ToString()));
        Assert.True(File.Exists(a + ".sig"));
        Assert.True(File.Exists(b + ".sig"));
    }

    // A named pipe (process substitution, a download piped in) has no length: New-KmsSignature failed with an untyped
    // "Stream does not support seeking" (KmsSignature.SigningFailed, no target), and an Ed25519 key called it empty.
    // Test-KmsSignature verifies such input; it is now signed too, RAW or DIGEST by how much it holds.
    [Theory]
    [InlineData("ECC_NIST_P256", "ECDSA_SHA_256", 100, "RAW")]
    [InlineData("ECC_NIST_P256", "ECDSA_SHA_256", 4097, "DIGEST")]
    [InlineData("ECC_NIST_P256", "ECDSA_SHA_256", 0, "DIGEST")]
    [InlineData("RSA_2048", "RSASSA_PSS_SHA_256", 3_000_000, "DIGEST")]
    [InlineData("ECC_NIST_EDWARDS25519", "ED25519_SHA_512", 4096, "RAW")]
    public async Task A_named_pipe_is_signed_like_the_file_it_streams(string spec, string algorithm, int length, string messageType)
    {
        var arn = await fixture.KeyAsync(spec);
        var pem = await PemFileAsync(arn);
        var content = NewFile($"piped-{spec}-{length}.bin", length);
        var pipe = Path.Combine(directory, $"pipe-{spec}-{length}");
        NamedPipe.Create(pipe);
        var writer = Task.Run(() => File.WriteAllBytes(pipe, File.ReadAllBytes(content)));
        using var session = fixture.NewSession();
        var result = session.Run("New-KmsSignature -LiteralPath $p -KeyId $k -Algorithm $a -Destination ($c + '.sig') @kmsSigner",
            Vars(("p", pipe), ("k", arn), ("a", algorithm), ("c", content))).AssertSuccess();
        await writer.WaitAsync(TimeSpan.FromSeconds(10));
        var signed = Assert.Single(result.Output);
        Assert.Equal(messageType, signed.Properties["MessageType"].Value);
        Assert.Equal((long)length, Convert.ToInt64(signed.Properties["Length"].Value));
        Assert.Equal(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(content))).ToLowerInvariant(), signed.Properties["Sha256"].Value);
        Assert.True(Interop.OpensslVerifies(spec, algorithm, pem, content, content + ".sig"));
    }

    [Fact]
    public async Task A_named_pipe_too_long_for_Ed25519_is_MessageTooLarge_with_the_pipe_as_target()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_EDWARDS25519");
        var pipe = Path.Combine(directory, "pipe-too-long");
        NamedPipe.Create(pipe);
        var writer = Task.Run(() => File.WriteAllBytes(pipe, new byte[5000]));
        using var session = fixture.NewSession();
        var signs = fixture.Kms.Counters.Count("Sign");
        var result = session.Run("New-KmsSignature -LiteralPath $p -KeyId $k @kmsSigner", Vars(("p", pipe), ("k", arn)));
        await writer.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Empty(result.Output);
        Assert.Equal("KmsSignature.MessageTooLarge", result.ErrorId());
        Assert.Equal(pipe, result.FirstError()!.TargetObject);
        Assert.Equal(signs, fixture.Kms.Counters.Count("Sign"));
        Assert.False(File.Exists(pipe + ".sig"));
    }

    // Item 0 is a named pipe that fails (too long for pure Ed25519) only once later files have been signed: with 8 in
    // flight, the 14th Sign call can only start after 7 of the files behind the pipe finished. Their signature files used
    // to be written by the Sign calls themselves, so -ErrorAction Stop on the pipe left .sig files for items after it.
    [Fact]
    public async Task ErrorAction_Stop_on_a_failing_item_writes_no_signature_for_the_items_after_it()
    {
        var (pipe, files, before) = await PipeThenFilesAsync("stop-after");
        var writer = Task.Run(() =>
        {
            WaitForSignCalls(before, 14);
            File.WriteAllBytes(pipe, new byte[5000]);
        });
        using var session = fixture.NewSession();
        var result = session.Run("$items | New-KmsSignature -KeyId $k -ThrottleLimit 8 -ErrorAction Stop @kmsSigner",
            Vars(("items", files.Prepend(pipe).ToArray()), ("k", await fixture.KeyAsync("ECC_NIST_EDWARDS25519"))));
        await writer.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("KmsSignature.MessageTooLarge", result.ErrorId());
        Assert.Empty(Directory.GetFiles(directory, "*.sig"));
        // The files signed meanwhile were prepared (temporary files) by their Sign calls: all deleted, also those of calls
        // that settle after the run.
        Assert.True(NoTemporaryFileRemains(), "a prepared signature file was left behind");
    }

    // Ctrl+C with the oldest item blocked (a pipe nobody writes yet) and later ones signed: they were never reported, so
    // no signature file may remain for them.
    [Fact]
    public async Task Ctrl_C_leaves_no_signature_file_for_items_signed_but_not_yet_reported()
    {
        var (pipe, files, before) = await PipeThenFilesAsync("ctrl-c");
        // Held open for writing (read-write: opening a FIFO so never blocks on Linux) and closed at the end without a
        // byte: the reader blocks until then and sees the end of the pipe, whenever it got to open it.
        using var held = new FileStream(pipe, FileMode.Open, FileAccess.ReadWrite);
        using var signed = new ManualResetEvent(false);
        var watcher = Task.Run(() =>
        {
            WaitForSignCalls(before, 14);
            signed.Set();
        });
        using var session = fixture.NewSession();
        var (_, stopped) = session.RunAndStop("$items | New-KmsSignature -KeyId $k -ThrottleLimit 8 @kmsSigner",
            Vars(("items", files.Prepend(pipe).ToArray()), ("k", await fixture.KeyAsync("ECC_NIST_EDWARDS25519"))), signed);
        await watcher.WaitAsync(TimeSpan.FromSeconds(30));
        held.Dispose(); // the pipe's reader, still in flight after the stop, ends too

        Assert.True(stopped, "the pipeline was not stopped");
        Assert.True(NoTemporaryFileRemains(), "a prepared signature file was left behind");
        Assert.Empty(Directory.GetFiles(directory, "*.sig"));
    }

    // Ctrl+C while results are being written: the next result's file was put in place and only then did its WriteObject
    // find the run stopping, so a signature file remained for an item never reported (1 run in 2 in a bulk run). Item 0 is a
    // pipe released once the 7 files behind it are prepared, so all are due together; the run is stopped as item 0 comes out.
    [Fact]
    public async Task Ctrl_C_while_results_are_written_leaves_no_signature_file_for_an_item_not_reported()
    {
        var (pipe, files, _) = await PipeThenFilesAsync("stop-writing", count: 7);
        var writer = Task.Run(() =>
        {
            WaitUntil(() => TemporaryFiles().Length == files.Length);
            File.WriteAllBytes(pipe, new byte[100]);
        });
        using var session = fixture.NewSession();
        var (output, stopped) = session.RunObservingOutput("$items | New-KmsSignature -KeyId $k -ThrottleLimit 8 @kmsSigner",
            Vars(("items", files.Prepend(pipe).ToArray()), ("k", await fixture.KeyAsync("ECC_NIST_EDWARDS25519"))), (ps, _) =>
            {
                if (ps.InvocationStateInfo.State == PSInvocationState.Running)
                {
                    ps.BeginStop(null, null);
                    WaitUntil(() => ps.InvocationStateInfo.State != PSInvocationState.Running);
                    Thread.Sleep(200); // for the stop to reach the cmdlet (StopProcessing, on the stopping thread)
                }
            });
        await writer.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(stopped, "the pipeline was not stopped");
        var reported = output.Select(o => (string)o.Properties["Path"].Value + ".sig").ToList();
        Assert.Contains(pipe + ".sig", reported);
        Assert.Equal(reported.Order(StringComparer.Ordinal), Directory.GetFiles(directory, "*.sig").Order(StringComparer.Ordinal));
        Assert.True(NoTemporaryFileRemains(), "a prepared signature file was left behind");
    }

    // The write and fsync of each signature file run on the Sign calls, in parallel (concurrent fsyncs are committed
    // together); only the rename waits for the result's turn. Item 0 is a pipe nobody writes yet, so no result can be
    // reported: the 7 files behind it must still all be prepared meanwhile. They used to be written one by one on the
    // pipeline thread, which capped bulk signing at a few hundred to 2,000 files/s.
    [Fact]
    public async Task Signature_files_behind_an_unreported_item_are_prepared_meanwhile_and_put_in_place_in_order()
    {
        var (pipe, files, _) = await PipeThenFilesAsync("parallel", count: 7);
        var prepared = false;
        var writer = Task.Run(() =>
        {
            prepared = WaitUntil(() => TemporaryFiles().Length == files.Length);
            File.WriteAllBytes(pipe, new byte[100]);
        });
        using var session = fixture.NewSession();
        var result = session.Run("$items | New-KmsSignature -KeyId $k -ThrottleLimit 8 @kmsSigner",
            Vars(("items", files.Prepend(pipe).ToArray()), ("k", await fixture.KeyAsync("ECC_NIST_EDWARDS25519"))));
        await writer.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(prepared, "the signature files behind the unreported item were not prepared while it was awaited");
        result.AssertSuccess();
        Assert.Equal(files.Prepend(pipe), result.Output.Select(o => (string)o.Properties["Path"].Value));
        Assert.All(files.Prepend(pipe), f => Assert.True(File.Exists(f + ".sig"), f));
        Assert.Empty(TemporaryFiles());
    }

    // A signature file that appears after its Sign call prepared it but before its turn (no -Force) is that item's
    // OutputFileExists; its prepared file is deleted, the file that appeared is kept, and the other items are written.
    [Fact]
    public async Task A_signature_file_that_appears_before_its_turn_is_that_items_error_and_leaves_no_temporary_file()
    {
        var (pipe, files, _) = await PipeThenFilesAsync("appeared", count: 2);
        var writer = Task.Run(() =>
        {
            WaitUntil(() => TemporaryFiles().Length == files.Length);
            File.WriteAllBytes(files[0] + ".sig", [1]);
            File.WriteAllBytes(pipe, new byte[100]);
        });
        using var session = fixture.NewSession();
        var result = session.Run("$items | New-KmsSignature -KeyId $k -ThrottleLimit 8 @kmsSigner",
            Vars(("items", files.Prepend(pipe).ToArray()), ("k", await fixture.KeyAsync("ECC_NIST_EDWARDS25519"))));
        await writer.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal("KmsSignature.OutputFileExists", result.ErrorId());
        Assert.Equal(files[0] + ".sig", Assert.Single(result.Errors).TargetObject);
        Assert.Equal([1], File.ReadAllBytes(files[0] + ".sig"));
        Assert.Equal([pipe, files[1]], result.Output.Select(o => (string)o.Properties["Path"].Value));
        Assert.True(File.Exists(pipe + ".sig"));
        Assert.True(File.Exists(files[1] + ".sig"));
        Assert.Empty(TemporaryFiles());
    }

    // A break after the first result (as `| Select-Object -First 1`) ends the run with the files behind it prepared but
    // never reported: they are discarded, none put in place.
    [Fact]
    public async Task A_pipeline_ended_downstream_discards_the_prepared_files_it_did_not_report()
    {
        var (pipe, files, _) = await PipeThenFilesAsync("first", count: 6);
        var writer = Task.Run(() =>
        {
            WaitUntil(() => TemporaryFiles().Length == files.Length);
            File.WriteAllBytes(pipe, new byte[100]);
        });
        using var session = fixture.NewSession();
        var result = session.Run("do { $items | New-KmsSignature -KeyId $k -ThrottleLimit 8 @kmsSigner | ForEach-Object { $_; break } } while ($false)",
            Vars(("items", files.Prepend(pipe).ToArray()), ("k", await fixture.KeyAsync("ECC_NIST_EDWARDS25519")))).AssertSuccess();
        await writer.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(pipe, Assert.Single(result.Output).Properties["Path"].Value);
        Assert.True(NoTemporaryFileRemains(), "a prepared signature file was left behind");
        Assert.Equal([pipe + ".sig"], Directory.GetFiles(directory, "*.sig"));
    }

    private string[] TemporaryFiles() => Directory.GetFiles(directory, ".kmssig-*.tmp");

    // A dropped result's prepared file is deleted when its Sign call settles, which may be just after the run returned:
    // wait for that (and fail after 30 s) rather than look too early.
    private bool NoTemporaryFileRemains() => WaitUntil(() => TemporaryFiles().Length == 0);

    private static bool WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            Thread.Sleep(5);
        }

        return true;
    }

    private async Task<(string Pipe, string[] Files, long SignCallsBefore)> PipeThenFilesAsync(string prefix, int count = 30)
    {
        await fixture.KeyAsync("ECC_NIST_EDWARDS25519");
        var pipe = Path.Combine(directory, $"{prefix}-pipe");
        NamedPipe.Create(pipe);
        var files = Enumerable.Range(1, count).Select(i => NewFile($"{prefix}-{i:D2}.bin", 100, i)).ToArray();
        return (pipe, files, fixture.Kms.Counters.Count("Sign"));
    }

    private void WaitForSignCalls(long before, int count)
    {
        while (fixture.Kms.Counters.Count("Sign") - before < count)
        {
            Thread.Sleep(5);
        }
    }

    // Names a shell or a tool might read otherwise: spaces, non-ASCII, a leading dash, wildcard brackets. Each is signed
    // in both encodings; Test-KmsSignature reads either, and openssl the binary one (the base64 one once decoded).
    [Theory]
    [InlineData("with space.txt")]
    [InlineData("ünïcødé 名前.txt")]
    [InlineData("-leading-dash.txt")]
    [InlineData("[1] bracket.txt")]
    public async Task Odd_file_names_sign_in_both_encodings_and_verify_with_Test_KmsSignature_and_openssl(string name)
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        var pem = await PemFileAsync(arn);
        var file = NewFile(name, 300);
        using var session = fixture.NewSession();
        foreach (var encoding in new[] { "Binary", "Base64" })
        {
            var result = session.Run("""
                New-KmsSignature -LiteralPath $f -KeyId $k -Encoding $e -Force @kmsSigner | Out-Null
                Test-KmsSignature -LiteralPath $f -PublicKey $p | ForEach-Object { "$($_.Status)" }
                """, Vars(("f", file), ("k", arn), ("e", encoding), ("p", pem))).AssertSuccess();
            Assert.Equal("Valid", Assert.Single(result.Output).ToString());
            var signature = file + ".sig";
            if (encoding == "Base64")
            {
                signature = Path.Combine(directory, "decoded.sig");
                File.WriteAllBytes(signature, Convert.FromBase64String(File.ReadAllText(file + ".sig").Trim()));
            }

            Assert.True(Interop.OpensslVerifies("ECC_NIST_P256", "ECDSA_SHA_256", pem, file, signature), $"{encoding} {name}");
        }

        Assert.Equal(new[] { name, name + ".sig", "decoded.sig", Path.GetFileName(pem) }.Order(StringComparer.Ordinal),
            Directory.GetFiles(directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }
}
