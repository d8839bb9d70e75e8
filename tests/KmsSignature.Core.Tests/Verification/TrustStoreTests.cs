using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using KmsSignature.Core.Jose;
using KmsSignature.Core.Keys;
using KmsSignature.Core.Verification;

namespace KmsSignature.Core.Tests.Verification;

/// <summary>Key selection by kid, thumbprint, file name; single-key stores; duplicates.</summary>
public sealed class TrustStoreTests
{
    [Fact]
    public void Single_key_without_kid_verifies_tokens_whatever_their_kid()
    {
        var verifier = new TokenVerifier(TrustStore.FromKeys([Fixtures.Key("p256")]));

        Assert.True(verifier.Verify(Fixtures.Token("es256-p256.jwt")).IsValid);
        Assert.True(verifier.Verify(Fixtures.Token("es256-no-kid.jwt")).IsValid);
        Assert.True(verifier.Verify(Fixtures.Token("es256-unknown-kid.jwt")).IsValid);
    }

    // -PublicKey with several keys, or -KeyId with several KMS keys (a rotation): none has a kid, and tokens carry
    // the kid their signer chose. Each such key is tried, as a single one is.
    [Fact]
    public void Several_keys_without_kid_verify_tokens_whatever_their_kid()
    {
        var verifier = new TokenVerifier(TrustStore.FromKeys([Fixtures.Key("rsa2048"), Fixtures.Key("p384"), Fixtures.Key("p256")]));

        Assert.True(verifier.Verify(Fixtures.Token("es256-p256.jwt")).IsValid);
        Assert.True(verifier.Verify(Fixtures.Token("es256-unknown-kid.jwt")).IsValid);
        Assert.True(verifier.Verify(Fixtures.Token("rs256-rsa2048.jwt")).IsValid);
        Assert.True(verifier.Verify(Fixtures.Token("es384-p384.jwt")).IsValid);
    }

    [Fact]
    public void A_kid_no_key_has_is_tried_only_against_keys_without_kid()
    {
        var named = new TokenVerifier(TrustStore.FromKeys([Fixtures.Key("p256").WithMetadata("other"), Fixtures.Key("rsa2048")]));
        var unfit = new TokenVerifier(TrustStore.FromKeys([Fixtures.Key("rsa2048"), Fixtures.Key("p384")]));
        using var otherP256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var wrong = new TokenVerifier(TrustStore.FromKeys([Fixtures.Key("rsa2048"), PublicKey.FromSpki(otherP256.ExportSubjectPublicKeyInfo(), "other")]));

        var result = named.Verify(Fixtures.Token("es256-unknown-kid.jwt"));
        Assert.Equal(VerificationStatus.UntrustedKey, result.Status);
        Assert.Contains("nobody-knows-me", result.Reason);
        Assert.Equal(VerificationStatus.UntrustedKey, unfit.Verify(Fixtures.Token("es256-unknown-kid.jwt")).Status);
        Assert.Equal(VerificationStatus.InvalidSignature, wrong.Verify(Fixtures.Token("es256-unknown-kid.jwt")).Status);
    }

    [Fact]
    public void Single_key_with_a_kid_verifies_tokens_without_kid_but_not_other_kids()
    {
        var verifier = new TokenVerifier(TrustStore.FromKeys([Fixtures.Key("p256").WithMetadata("p256")]));

        Assert.True(verifier.Verify(Fixtures.Token("es256-no-kid.jwt")).IsValid);
        Assert.Equal(VerificationStatus.UntrustedKey, verifier.Verify(Fixtures.Token("es256-unknown-kid.jwt")).Status);
    }

    [Fact]
    public void Jwks_selects_by_kid_and_token_without_kid_tries_fitting_keys()
    {
        var store = TrustStore.Load(Fixtures.PathOf("keys/jwks.json"));
        var verifier = new TokenVerifier(store);

        Assert.Equal(11, store.Count);
        Assert.Equal("p384", verifier.Verify(Fixtures.Token("es384-p384.jwt")).KeyId);
        var noKid = verifier.Verify(Fixtures.Token("es256-no-kid.jwt"));
        Assert.True(noKid.IsValid, noKid.ToString());
        Assert.Equal("p256", noKid.KeyId);
    }

    [Fact]
    public void Thumbprint_works_as_kid()
    {
        var p256 = Fixtures.Key("p256");
        var store = TrustStore.FromKeys([p256.WithMetadata("a"), Fixtures.Key("p384").WithMetadata("b")]);

        Assert.Same(store.Verifiers[0], store.Find(p256.JwkThumbprint));
        Assert.Null(store.Find("c"));
    }

    [Fact]
    public void Directory_gives_pem_keys_their_file_name_as_kid()
    {
        var dir = Directory.CreateTempSubdirectory("kms-trust-");
        try
        {
            File.Copy(Fixtures.PathOf("keys/p256.pem"), Path.Combine(dir.FullName, "signing-2024.pem"));
            File.Copy(Fixtures.PathOf("keys/rsa2048.der"), Path.Combine(dir.FullName, "legacy.der"));
            File.WriteAllText(Path.Combine(dir.FullName, "README.txt"), "ignored");

            var store = TrustStore.Load(dir.FullName);

            Assert.Equal(2, store.Count);
            Assert.Equal(Fixtures.Key("p256"), store.Find("signing-2024")!.Key);
            Assert.Equal(Fixtures.Key("rsa2048"), store.Find("legacy")!.Key);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    // The module's tokens carry the key ARN as kid by default, which no file name can hold: a directory of exported PEM files
    // trusted none of them, and the reason said only that no key had the kid.
    [Fact]
    public void A_kid_no_file_of_a_key_directory_names_gets_a_reason_that_says_what_to_give_instead()
    {
        var dir = Directory.CreateTempSubdirectory("kms-trust-");
        try
        {
            File.Copy(Fixtures.PathOf("keys/p256.pem"), Path.Combine(dir.FullName, "app-jwt.pem"));
            var directory = new TokenVerifier(TrustStore.Load(dir.FullName));
            var arnKid = Base64Url.Encode("""{"alg":"ES256","kid":"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}"""u8)
                + "." + Base64Url.Encode("{}"u8) + "." + Base64Url.Encode(new byte[64]);

            var arn = directory.Verify(arnKid);
            var plain = directory.Verify(Fixtures.Token("es256-unknown-kid.jwt"));
            var jwks = new TokenVerifier(TrustStore.FromKeys([Fixtures.Key("p256").WithMetadata("app-jwt")])).Verify(Fixtures.Token("es256-unknown-kid.jwt"));

            Assert.Equal(VerificationStatus.UntrustedKey, arn.Status);
            Assert.Contains("by the file's name, which cannot hold this kid: give it the key as a JWK or JWKS file", arn.Reason, StringComparison.Ordinal);
            Assert.Equal(VerificationStatus.UntrustedKey, plain.Status);
            Assert.Contains("a file named 'nobody-knows-me.pem' would be this kid's key", plain.Reason, StringComparison.Ordinal);
            Assert.Equal("no trusted key has kid 'nobody-knows-me'", jwks.Reason);
            if (!OperatingSystem.IsWindows())
            {
                // ':' is a file name's character here (only Windows refuses it).
                var urn = Base64Url.Encode("""{"alg":"ES256","kid":"urn:key:1"}"""u8) + "." + Base64Url.Encode("{}"u8) + "." + Base64Url.Encode(new byte[64]);
                Assert.Contains("a file named 'urn:key:1.pem' would be this kid's key", directory.Verify(urn).Reason, StringComparison.Ordinal);
            }
        }
        finally
        {
            dir.Delete(true);
        }
    }

    // A key directory collects what people keep next to keys (notes, Finder's .DS_Store, an archive folder, a link to
    // the previous rotation); only regular files named like keys are keys.
    [Fact]
    public void Directory_skips_files_not_named_like_keys_folders_and_links_to_folders()
    {
        var dir = Directory.CreateTempSubdirectory("kms-trust-");
        try
        {
            File.Copy(Fixtures.PathOf("keys/p256.pem"), Path.Combine(dir.FullName, "current.pem"));
            File.WriteAllText(Path.Combine(dir.FullName, "README.md"), "# keys\n");
            File.WriteAllBytes(Path.Combine(dir.FullName, ".DS_Store"), [0, 0, 0, 1, 0x42, 0x75, 0x64, 0x31]);
            File.WriteAllText(Path.Combine(dir.FullName, "NOTES"), "rotated 2024-05");
            Directory.CreateDirectory(Path.Combine(dir.FullName, "archive"));
            File.Copy(Fixtures.PathOf("keys/p384.pem"), Path.Combine(dir.FullName, "archive", "old.pem"));
            Directory.CreateDirectory(Path.Combine(dir.FullName, "2023.pem"));
            Directory.CreateSymbolicLink(Path.Combine(dir.FullName, "previous.jwk"), Path.Combine(dir.FullName, "archive"));

            var store = TrustStore.Load(dir.FullName);

            Assert.Equal(Fixtures.Key("p256"), Assert.Single(store.Verifiers).Key);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    // macOS leaves an AppleDouble "._<name>" beside every file it copies to a FAT, exFAT or SMB volume: a key directory
    // carried on a USB stick or a share holds "._current.pem", which is no key and which Get-ChildItem hides (as any dot-file).
    [Fact]
    public void Directory_skips_hidden_files_such_as_macOS_AppleDouble_copies()
    {
        var dir = Directory.CreateTempSubdirectory("kms-trust-");
        try
        {
            File.Copy(Fixtures.PathOf("keys/p256.pem"), Path.Combine(dir.FullName, "current.pem"));
            // An AppleDouble header (magic 00 05 16 07, version 2) and the start of its entries.
            File.WriteAllBytes(Path.Combine(dir.FullName, "._current.pem"), [0, 5, 0x16, 7, 0, 2, 0, 0, 0x4d, 0x61, 0x63, 0x20, 0x4f, 0x53, 0x20, 0x58]);
            File.WriteAllText(Path.Combine(dir.FullName, ".old.pem"), "not a key\n");

            var store = TrustStore.Load(dir.FullName);

            var only = Assert.Single(store.Verifiers);
            Assert.Equal(Fixtures.Key("p256"), only.Key);
            Assert.Same(only, store.Find("current"));
        }
        finally
        {
            dir.Delete(true);
        }
    }

    // A folder whose only key file is hidden loaded before hidden files were passed over; "holds no public key" alone
    // left the user looking at a key file in `ls -a`.
    [Fact]
    public void A_directory_of_hidden_key_files_only_is_TrustStoreEmpty_naming_one()
    {
        var dir = Directory.CreateTempSubdirectory("kms-trust-");
        try
        {
            File.Copy(Fixtures.PathOf("keys/p256.pem"), Path.Combine(dir.FullName, ".signing.pem"));
            File.WriteAllText(Path.Combine(dir.FullName, ".notes"), "x");

            var ex = Assert.Throws<KmsSignatureException>(() => TrustStore.Load(dir.FullName));

            Assert.Equal("KmsSignature.TrustStoreEmpty", ex.ErrorId);
            Assert.Equal($"'{dir.FullName}' holds no public key; hidden files such as '.signing.pem' are passed over.", ex.Message);
            Assert.Equal(dir.FullName, ex.Target);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    // A key folder carried on a FAT stick from macOS holds "._signing.pem" beside ".signing.pem": the error named the
    // AppleDouble copy (it sorts first) and advised renaming it, and named one when it was all the folder held.
    [Fact]
    public void TrustStoreEmpty_names_a_hidden_key_file_never_an_AppleDouble_copy()
    {
        var dir = Directory.CreateTempSubdirectory("kms-trust-");
        try
        {
            byte[] appleDouble = [0, 5, 0x16, 7, 0, 2, 0, 0, 0x4d, 0x61, 0x63, 0x20, 0x4f, 0x53, 0x20, 0x58];
            File.WriteAllBytes(Path.Combine(dir.FullName, "._signing.pem"), appleDouble);
            File.Copy(Fixtures.PathOf("keys/p256.pem"), Path.Combine(dir.FullName, ".signing.pem"));

            var ex = Assert.Throws<KmsSignatureException>(() => TrustStore.Load(dir.FullName));

            Assert.Equal("KmsSignature.TrustStoreEmpty", ex.ErrorId);
            Assert.Equal($"'{dir.FullName}' holds no public key; hidden files such as '.signing.pem' are passed over.", ex.Message);

            File.Delete(Path.Combine(dir.FullName, ".signing.pem"));
            ex = Assert.Throws<KmsSignatureException>(() => TrustStore.Load(dir.FullName));

            Assert.Equal("KmsSignature.TrustStoreEmpty", ex.ErrorId);
            Assert.Equal($"'{dir.FullName}' holds no public key.", ex.Message);
            Assert.Null(ex.RecommendedAction);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    // The message names the store quoted; the target was that quoted text too, "'/keys'", which no command takes as a path.
    [Fact]
    public void A_directory_without_key_files_is_TrustStoreEmpty_with_its_path_as_target()
    {
        var dir = Directory.CreateTempSubdirectory("kms-trust-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "README.txt"), "not a key");

            var ex = Assert.Throws<KmsSignatureException>(() => TrustStore.Load(dir.FullName));

            Assert.Equal("KmsSignature.TrustStoreEmpty", ex.ErrorId);
            Assert.Equal(dir.FullName, ex.Target);
            Assert.Equal($"'{dir.FullName}' holds no public key.", ex.Message);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    // Given by name, a hidden file is what the user chose: it loads, as does a hidden directory.
    [Fact]
    public void A_hidden_file_or_directory_given_as_the_store_loads()
    {
        var dir = Directory.CreateTempSubdirectory("kms-trust-");
        try
        {
            var hidden = Directory.CreateDirectory(Path.Combine(dir.FullName, ".keys")).FullName;
            File.Copy(Fixtures.PathOf("keys/p256.pem"), Path.Combine(hidden, "current.pem"));
            File.Copy(Fixtures.PathOf("keys/p256.pem"), Path.Combine(dir.FullName, ".current.pem"));

            Assert.NotNull(TrustStore.Load(hidden).Find("current"));
            Assert.Single(TrustStore.Load(Path.Combine(dir.FullName, ".current.pem")).Verifiers);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    // A named pipe (or socket, device) in a key directory is not a key file: opening a pipe waits for a writer, which
    // hung the load. The writer here answers any reader with junk, so a loader that opens the pipe fails instead of hanging.
    [Fact]
    public async Task Directory_refuses_a_named_pipe_named_like_a_key_without_opening_it()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // no FIFOs
        }

        var dir = Directory.CreateTempSubdirectory("kms-trust-");
        try
        {
            File.Copy(Fixtures.PathOf("keys/p256.pem"), Path.Combine(dir.FullName, "current.pem"));
            var fifo = Path.Combine(dir.FullName, "incoming.pem");
            Assert.True(MakeFifo(fifo, Convert.ToUInt32("600", 8)) == 0, $"mkfifo failed: errno {Marshal.GetLastPInvokeError()}");
            var opened = 0;
            var writer = Task.Run(() =>
            {
                using var stream = new FileStream(fifo, FileMode.Open, FileAccess.Write);
                Volatile.Write(ref opened, 1);
                stream.Write("not a key"u8);
            });

            var error = Record.Exception(() => TrustStore.Load(dir.FullName));
            // The writer's open completes only once a reader opens the pipe: still waiting means the load never opened it.
            var openedByLoad = Volatile.Read(ref opened) == 1;
            if (!openedByLoad)
            {
                using var release = new FileStream(fifo, FileMode.Open, FileAccess.Read);
                release.CopyTo(Stream.Null);
            }

            await writer;
            Assert.False(openedByLoad);
            var refused = Assert.IsType<KmsSignatureException>(error);
            Assert.Equal("KmsSignature.InvalidPublicKey", refused.ErrorId);
            Assert.Equal(fifo, refused.Target);
            Assert.Contains("named pipe", refused.Message);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    // Skipping what is not a key must not hide a broken key: a key-named file that does not parse still fails the load.
    [Fact]
    public void Directory_with_a_key_named_file_that_is_no_key_is_refused_naming_it()
    {
        var dir = Directory.CreateTempSubdirectory("kms-trust-");
        try
        {
            File.Copy(Fixtures.PathOf("keys/p256.pem"), Path.Combine(dir.FullName, "current.pem"));
            var broken = Path.Combine(dir.FullName, "next.pem");
            File.WriteAllText(broken, "-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n");

            var ex = Assert.Throws<KmsSignatureException>(() => TrustStore.Load(dir.FullName));

            Assert.Equal("KmsSignature.InvalidPublicKey", ex.ErrorId);
            Assert.Contains(broken, ex.Target?.ToString());
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int MakeFifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);

    [Fact]
    public void Two_different_keys_under_one_kid_are_refused()
    {
        var ex = Assert.Throws<KmsSignatureException>(() =>
            TrustStore.FromKeys([Fixtures.Key("p256").WithMetadata("k"), Fixtures.Key("p384").WithMetadata("k")]));

        Assert.Equal("KmsSignature.DuplicateKeyId", ex.ErrorId);
    }

    [Fact]
    public void Missing_store_and_empty_store_are_errors()
    {
        Assert.Equal("KmsSignature.TrustStoreNotFound",
            Assert.Throws<KmsSignatureException>(() => TrustStore.Load(Fixtures.PathOf("nowhere"))).ErrorId);
        Assert.Equal("KmsSignature.TrustStoreEmpty",
            Assert.Throws<KmsSignatureException>(() => TrustStore.FromKeys(Array.Empty<PublicKey>())).ErrorId);
    }

    // A token without kid costs one signature check per fitting key, so the store's size is bounded; a repeated key
    // (the same PEM block twice) collapses before it is counted.
    [Fact]
    public void A_store_of_more_than_MaxKeys_different_keys_is_refused_and_repeats_do_not_count()
    {
        var keys = Enumerable.Range(0, TrustStore.MaxKeys + 1).Select(_ =>
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            return PublicKey.FromSpki(key.ExportSubjectPublicKeyInfo());
        }).ToArray();

        var ex = Assert.Throws<KmsSignatureException>(() => TrustStore.FromKeys(keys, "'bundle.pem'"));
        var atTheLimit = TrustStore.FromKeys([.. keys[..TrustStore.MaxKeys], .. keys[..TrustStore.MaxKeys]]);

        Assert.Equal("KmsSignature.TrustStoreTooLarge", ex.ErrorId);
        Assert.Equal(ErrorKind.LimitsExceeded, ex.Kind);
        Assert.Equal("'bundle.pem'", ex.Target);
        Assert.Equal(TrustStore.MaxKeys, atTheLimit.Count);
    }

    [Fact]
    public void Jwk_alg_pins_the_key_and_use_enc_is_untrusted()
    {
        var pinned = new TokenVerifier(TrustStore.FromKeys([Fixtures.Key("rsa2048").WithMetadata("rsa2048", "PS256")]));
        var enc = new TokenVerifier(TrustStore.FromKeys([Fixtures.Key("rsa2048").WithMetadata("rsa2048", null, "enc")]));

        Assert.True(pinned.Verify(Fixtures.Token("ps256-rsa2048.jwt")).IsValid);
        Assert.Equal(VerificationStatus.AlgorithmNotAllowed, pinned.Verify(Fixtures.Token("rs256-rsa2048.jwt")).Status);
        Assert.Equal(VerificationStatus.UntrustedKey, enc.Verify(Fixtures.Token("rs256-rsa2048.jwt")).Status);
    }

    // A token without kid: every key that may verify its alg is tried, whatever the order of the keys, so a key
    // pinned to another alg, or one not for signatures, cannot stop the search before the right key.
    [Theory]
    [InlineData("RS256", null, false)]
    [InlineData(null, "enc", false)]
    [InlineData(null, null, true)]
    [InlineData("RS256", null, true)]
    public void A_token_without_kid_finds_its_key_past_keys_pinned_elsewhere_or_not_for_signatures(string? otherAlg, string? otherUse, bool otherFirst)
    {
        using var other = RSA.Create(2048);
        using var signer = RSA.Create(2048);
        var otherKey = PublicKey.FromSpki(other.ExportSubjectPublicKeyInfo()).WithMetadata("other", otherAlg, otherUse);
        var signerKey = PublicKey.FromSpki(signer.ExportSubjectPublicKeyInfo()).WithMetadata("signer", "PS256", "sig");
        var input = Base64Url.Encode("{\"alg\":\"PS256\"}"u8) + "." + Base64Url.Encode("{\"sub\":\"x\"}"u8);
        var token = input + "." + Base64Url.Encode(signer.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, RSASignaturePadding.Pss));

        var result = new TokenVerifier(TrustStore.FromKeys(otherFirst ? [otherKey, signerKey] : [signerKey, otherKey])).Verify(token);
        var reversed = new TokenVerifier(TrustStore.FromKeys(otherFirst ? [signerKey, otherKey] : [otherKey, signerKey])).Verify(token);

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal("signer", result.KeyId);
        Assert.True(reversed.IsValid, reversed.ToString());
    }

    [Fact]
    public void A_token_without_kid_and_only_keys_pinned_elsewhere_is_untrusted()
    {
        var store = TrustStore.FromKeys([Fixtures.Key("rsa2048").WithMetadata("a", "RS256"), Fixtures.Key("rsa3072").WithMetadata("b", null, "enc")]);
        var input = Fixtures.Token("ps256-rsa2048.jwt").Split('.');
        var withoutKid = Base64Url.Encode("{\"alg\":\"PS256\"}"u8) + "." + input[1] + "." + input[2];

        var result = new TokenVerifier(store).Verify(withoutKid);

        Assert.Equal(VerificationStatus.UntrustedKey, result.Status);
        Assert.Contains("no trusted key fits alg 'PS256'", result.Reason);
    }

    // RFC 7517 §5: keys of different types may share a kid; the token's alg says which one is meant.
    [Fact]
    public void Keys_of_different_types_may_share_a_kid_and_the_alg_picks_one()
    {
        using var rsa = RSA.Create(2048);
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var store = TrustStore.FromKeys([
            PublicKey.FromSpki(rsa.ExportSubjectPublicKeyInfo()).WithMetadata("shared"),
            PublicKey.FromSpki(ec.ExportSubjectPublicKeyInfo()).WithMetadata("shared")]);
        var verifier = new TokenVerifier(store);
        string Token(string alg, Func<byte[], byte[]> sign)
        {
            var input = Base64Url.Encode(Encoding.UTF8.GetBytes($"{{\"alg\":\"{alg}\",\"kid\":\"shared\"}}")) + "." + Base64Url.Encode("{}"u8);
            return input + "." + Base64Url.Encode(sign(Encoding.ASCII.GetBytes(input)));
        }

        var byEc = verifier.Verify(Token("ES256", data => ec.SignData(data, HashAlgorithmName.SHA256)));
        var byRsa = verifier.Verify(Token("RS256", data => rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)));

        Assert.True(byEc.IsValid, byEc.ToString());
        Assert.Equal("ECC_NIST_P256", byEc.Key!.KeySpecName);
        Assert.True(byRsa.IsValid, byRsa.ToString());
        Assert.Equal("RSA_2048", byRsa.Key!.KeySpecName);
        Assert.Equal("KmsSignature.DuplicateKeyId", Assert.Throws<KmsSignatureException>(() =>
            TrustStore.FromKeys([Fixtures.Key("rsa2048").WithMetadata("shared"), Fixtures.Key("rsa3072").WithMetadata("shared")])).ErrorId);
    }

    // A rotation bundle (one file, several keys) in a key directory: loaded as the file alone would load it.
    [Fact]
    public void A_key_directory_may_hold_a_file_of_several_keys_without_kids()
    {
        var dir = Directory.CreateTempSubdirectory("kms-bundle-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "rotation.pem"), Fixtures.Text("keys/p256.pem") + Fixtures.Text("keys/p384.pem"));
            File.Copy(Fixtures.PathOf("keys/rsa2048.pem"), Path.Combine(dir.FullName, "current.pem"));

            var store = TrustStore.Load(dir.FullName);
            var verifier = new TokenVerifier(store);

            Assert.Equal(3, store.Count);
            Assert.Equal(["current", null, null], store.Verifiers.Select(v => v.Key.KeyId));
            Assert.True(verifier.Verify(Fixtures.Token("es256-no-kid.jwt")).IsValid);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public void Jwk_key_ops_without_verify_verify_nothing()
    {
        var jwk = Fixtures.Text("keys/p256.jwk.json").TrimEnd().TrimEnd('}') + ",\"key_ops\":[\"encrypt\",\"deriveKey\"]}";
        var withVerify = Fixtures.Text("keys/p256.jwk.json").TrimEnd().TrimEnd('}') + ",\"key_ops\":[\"verify\"]}";
        var key = PublicKey.FromJwk(jwk);

        var token = new TokenVerifier(TrustStore.FromKeys([key])).Verify(Fixtures.Token("es256-p256.jwt"));
        var file = new DetachedSignatureVerifier(TrustStore.FromKeys([key])).Verify("message"u8, new byte[72]);

        Assert.Equal(["encrypt", "deriveKey"], key.Operations);
        Assert.Equal(VerificationStatus.UntrustedKey, token.Status);
        Assert.Contains("key_ops", token.Reason);
        Assert.Equal(VerificationStatus.UntrustedKey, file.Status); // not tried: with the key tried, it would be InvalidSignature
        Assert.True(new TokenVerifier(TrustStore.FromKeys([PublicKey.FromJwk(withVerify)])).Verify(Fixtures.Token("es256-p256.jwt")).IsValid);
        Assert.Equal("KmsSignature.InvalidPublicKey", Assert.Throws<KmsSignatureException>(() =>
            PublicKey.FromJwk(Fixtures.Text("keys/p256.jwk.json").TrimEnd().TrimEnd('}') + ",\"key_ops\":\"verify\"}")).ErrorId);
    }

    // A JWKS may list one RSA key under one kid once per alg it signs with (RS256 and PS256), as jose's key set reads it:
    // the store kept the first entry only, so PS256 tokens of that key were AlgorithmNotAllowed.
    [Fact]
    public void One_key_listed_under_its_kid_once_per_alg_admits_each_listed_alg_and_no_other()
    {
        using var rsa = RSA.Create(2048);
        var p = rsa.ExportParameters(false);
        string Entry(string alg) =>
            $$"""{"kty":"RSA","n":"{{Base64Url.Encode(p.Modulus!)}}","e":"{{Base64Url.Encode(p.Exponent!)}}","kid":"k","use":"sig","alg":"{{alg}}"}""";
        var verifier = new TokenVerifier(TrustStore.FromKeys(PublicKey.FromJwks($$"""{"keys":[{{Entry("RS256")}},{{Entry("PS256")}},{{Entry("PS256")}}]}""")));
        string Token(string alg, HashAlgorithmName hash, RSASignaturePadding padding)
        {
            var signingInput = $"{Base64Url.Encode(Encoding.UTF8.GetBytes($$"""{"alg":"{{alg}}","kid":"k"}"""))}.{Base64Url.Encode("""{"sub":"s"}"""u8.ToArray())}";
            return $"{signingInput}.{Base64Url.Encode(rsa.SignData(Encoding.ASCII.GetBytes(signingInput), hash, padding))}";
        }

        Assert.Equal(VerificationStatus.Valid, verifier.Verify(Token("RS256", HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)).Status);
        Assert.Equal(VerificationStatus.Valid, verifier.Verify(Token("PS256", HashAlgorithmName.SHA256, RSASignaturePadding.Pss)).Status);
        Assert.Equal(VerificationStatus.AlgorithmNotAllowed, verifier.Verify(Token("RS384", HashAlgorithmName.SHA384, RSASignaturePadding.Pkcs1)).Status);
        Assert.Equal(2, TrustStore.FromKeys(PublicKey.FromJwks($$"""{"keys":[{{Entry("RS256")}},{{Entry("PS256")}},{{Entry("PS256")}}]}""")).Count);
    }

    // New-KmsSignedJwt -KeyIdStyle Thumbprint names the key by its RFC 7638 thumbprint whatever kid the trust store's JWKS
    // gives it: that kid must admit every alg the JWKS lists the key under, as its own kid does.
    [Fact]
    public void A_thumbprint_kid_admits_each_alg_the_key_is_listed_under()
    {
        using var rsa = RSA.Create(2048);
        var p = rsa.ExportParameters(false);
        string Entry(string alg) =>
            $$"""{"kty":"RSA","n":"{{Base64Url.Encode(p.Modulus!)}}","e":"{{Base64Url.Encode(p.Exponent!)}}","kid":"k","use":"sig","alg":"{{alg}}"}""";
        var store = TrustStore.FromKeys(PublicKey.FromJwks($$"""{"keys":[{{Entry("RS256")}},{{Entry("PS256")}}]}"""));
        var thumbprint = store.Verifiers[0].Key.JwkThumbprint;
        var verifier = new TokenVerifier(store);
        string Token(string alg, HashAlgorithmName hash, RSASignaturePadding padding)
        {
            var signingInput = $"{Base64Url.Encode(Encoding.UTF8.GetBytes($$"""{"alg":"{{alg}}","kid":"{{thumbprint}}"}"""))}.{Base64Url.Encode("""{"sub":"s"}"""u8.ToArray())}";
            return $"{signingInput}.{Base64Url.Encode(rsa.SignData(Encoding.ASCII.GetBytes(signingInput), hash, padding))}";
        }

        Assert.Equal(VerificationStatus.Valid, verifier.Verify(Token("RS256", HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)).Status);
        Assert.Equal(VerificationStatus.Valid, verifier.Verify(Token("PS256", HashAlgorithmName.SHA256, RSASignaturePadding.Pss)).Status);
        Assert.Equal(VerificationStatus.AlgorithmNotAllowed, verifier.Verify(Token("RS384", HashAlgorithmName.SHA384, RSASignaturePadding.Pkcs1)).Status);
    }
}
