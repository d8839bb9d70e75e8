using System.Runtime.InteropServices;
using System.Security.Cryptography;
using KmsSignature.Core.Algorithms;
using KmsSignature.Core.Verification;

namespace KmsSignature.Core.Tests.Verification;

/// <summary>
/// Detached signatures made by openssl dgst/pkeyutl and node (tests/fixtures/files/manifest.json) verify over
/// bytes and streamed files; a one-byte change to the message or the signature makes each invalid.
/// </summary>
public sealed class DetachedSignatureTests
{
    public static TheoryData<string, string, string, string> Manifest()
    {
        var data = new TheoryData<string, string, string, string>();
        foreach (var e in Fixtures.Json("files/manifest.json").EnumerateArray())
        {
            data.Add(e.GetProperty("file").GetString()!, e.GetProperty("signature").GetString()!,
                e.GetProperty("key").GetString()!, e.GetProperty("algorithm").GetString()!);
        }

        return data;
    }

    private static DetachedSignatureVerifier For(string key, string algorithm, MessageType type = MessageType.Raw) =>
        new(TrustStore.FromKeys([Core.Keys.PublicKey.FromJwk(Fixtures.Text($"keys/{key}.jwk.json"))]),
            new DetachedSignatureOptions { Algorithm = DetachedSignatureOptions.ParseAlgorithm(algorithm), MessageType = type });

    [Theory]
    [MemberData(nameof(Manifest))]
    public void File_signature_verifies_streamed_and_in_memory(string file, string signature, string key, string algorithm)
    {
        var verifier = For(key, algorithm);

        var streamed = verifier.VerifyFile(Fixtures.PathOf($"files/{file}"), Fixtures.PathOf($"files/{signature}"));
        var inMemory = verifier.Verify(Fixtures.Bytes($"files/{file}"), Fixtures.Bytes($"files/{signature}"));

        Assert.True(streamed.IsValid, streamed.ToString());
        Assert.True(inMemory.IsValid, inMemory.ToString());
        Assert.Equal(algorithm, streamed.Algorithm);
        Assert.Equal(Fixtures.PathOf($"files/{file}"), streamed.Path);
        Assert.Equal(Fixtures.PathOf($"files/{signature}"), streamed.SignaturePath);
        Assert.Equal(key, streamed.KeyId);
    }

    [Theory]
    [MemberData(nameof(Manifest))]
    public void One_byte_changed_in_the_message_makes_it_invalid(string file, string signature, string key, string algorithm)
    {
        var message = Tamper.FlipByte(Fixtures.Bytes($"files/{file}"), 7);

        Assert.Equal(VerificationStatus.InvalidSignature, For(key, algorithm).Verify(message, Fixtures.Bytes($"files/{signature}")).Status);
    }

    [Theory]
    [MemberData(nameof(Manifest))]
    public void One_byte_changed_in_the_signature_makes_it_invalid(string file, string signature, string key, string algorithm)
    {
        var decoded = Core.Signatures.SignatureEncoding.Decode(Fixtures.Bytes($"files/{signature}"), out _);
        // Past any DER header bytes, inside r/s or the signature body.
        var tampered = Tamper.FlipByte(decoded, decoded.Length - 5);

        Assert.Equal(VerificationStatus.InvalidSignature, For(key, algorithm).Verify(Fixtures.Bytes($"files/{file}"), tampered).Status);
    }

    [Theory]
    [InlineData("rsa2048", "RSASSA_PKCS1_V1_5_SHA_256", "message.txt.rsa2048.pkcs1-sha256.sig")]
    [InlineData("rsa2048", "PS384", "message.txt.rsa2048.pss-sha384.sig")]
    [InlineData("p256", "ES256", "message.txt.p256.der.sig")]
    [InlineData("p521", "ECDSA_SHA_512", "message.txt.p521.rs.sig")]
    [InlineData("ed25519", "ED25519_PH_SHA_512", "message.txt.ed25519ph.sig")]
    public void Digest_message_type_verifies_a_precomputed_hash(string key, string algorithm, string signature)
    {
        var alg = DetachedSignatureOptions.ParseAlgorithm(algorithm);
        var digest = alg.Hash == HashAlgorithmName.SHA256 ? SHA256.HashData(Fixtures.Bytes("files/message.txt"))
            : alg.Hash == HashAlgorithmName.SHA384 ? SHA384.HashData(Fixtures.Bytes("files/message.txt"))
            : SHA512.HashData(Fixtures.Bytes("files/message.txt"));

        var result = For(key, algorithm, MessageType.Digest).Verify(digest, Fixtures.Bytes($"files/{signature}"));

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(MessageType.Digest, result.MessageType);
        Assert.Equal(VerificationStatus.Malformed, For(key, algorithm, MessageType.Digest).Verify(digest[1..], Fixtures.Bytes($"files/{signature}")).Status);
    }

    // openssl dgst -sigopt rsa_padding_mode:pss and node's crypto.sign sign with the longest salt unless told otherwise; KMS and
    // JWS use the hash's length, which is what is checked. Such a signature failed with no word on why.
    [Fact]
    public void Rsa_pss_signatures_with_the_longest_salt_fail_with_a_reason_that_names_the_salt_length()
    {
        using var rsa = RSA.Create(2048);
        var keyPair = Org.BouncyCastle.Security.DotNetUtilities.GetRsaKeyPair(rsa);
        byte[] Sign(byte[] data, int saltLength)
        {
            var signer = new Org.BouncyCastle.Crypto.Signers.PssSigner(new Org.BouncyCastle.Crypto.Engines.RsaEngine(), new Org.BouncyCastle.Crypto.Digests.Sha256Digest(), saltLength);
            signer.Init(true, keyPair.Private);
            signer.BlockUpdate(data, 0, data.Length);
            return signer.GenerateSignature();
        }

        const int Longest = 256 - 32 - 2;
        var store = TrustStore.FromKeys([Core.Keys.PublicKey.FromSpki(rsa.ExportSubjectPublicKeyInfo())]);
        DetachedSignatureVerifier Detached(string algorithm) => new(store, new DetachedSignatureOptions { Algorithm = DetachedSignatureOptions.ParseAlgorithm(algorithm) });
        var message = "release 1.2.3"u8.ToArray();
        var input = Core.Jose.Base64Url.Encode("""{"alg":"PS256"}"""u8) + "." + Core.Jose.Base64Url.Encode("""{"sub":"a"}"""u8);
        string Token(int saltLength) => input + "." + Core.Jose.Base64Url.Encode(Sign(System.Text.Encoding.ASCII.GetBytes(input), saltLength));

        var file = Detached("RSASSA_PSS_SHA_256").Verify(message, Sign(message, Longest));
        var token = new TokenVerifier(store).Verify(Token(Longest));
        var pkcs1 = Detached("RSASSA_PKCS1_V1_5_SHA_256").Verify(message, rsa.SignData("other"u8.ToArray(), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

        Assert.True(Detached("RSASSA_PSS_SHA_256").Verify(message, Sign(message, 32)).IsValid);
        Assert.True(new TokenVerifier(store).Verify(Token(32)).IsValid);
        Assert.Equal(VerificationStatus.InvalidSignature, file.Status);
        Assert.Contains("RSASSA-PSS is checked with a 32-byte salt (the hash's length, as KMS signs)", file.Reason, StringComparison.Ordinal);
        Assert.Equal(VerificationStatus.InvalidSignature, token.Status);
        Assert.Contains("-sigopt rsa_pss_saltlen:digest", token.Reason, StringComparison.Ordinal);
        Assert.Equal(VerificationStatus.InvalidSignature, pkcs1.Status);
        Assert.DoesNotContain("salt", pkcs1.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Default_algorithm_and_default_signature_path_follow_openssl()
    {
        var verifier = new DetachedSignatureVerifier(TrustStore.FromKeys([Fixtures.Key("p256")]));

        var result = verifier.VerifyFile(Fixtures.PathOf("files/message.txt"));

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal("ECDSA_SHA_256", result.Algorithm);
        Assert.Equal(Fixtures.PathOf("files/message.txt.sig"), result.SignaturePath);
    }

    [Fact]
    public void Several_trusted_keys_are_tried_and_the_matching_one_is_reported()
    {
        var store = TrustStore.Load(Fixtures.PathOf("keys"));
        var verifier = new DetachedSignatureVerifier(store, new DetachedSignatureOptions { Algorithm = SignatureAlgorithm.EcdsaSha384 });

        var result = verifier.VerifyFile(Fixtures.PathOf("files/large.bin"), Fixtures.PathOf("files/large.bin.p384.der.sig"));

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal("p384", result.KeyId);
    }

    // Offline, nothing but the verifier enforces the algorithm: a JWK's alg pins detached signatures as it pins tokens.
    [Theory]
    [InlineData("RS256", "RSASSA_PSS_SHA_256", "message.txt.rsa2048.pss-sha256.sig")]
    [InlineData("RS256", "RSASSA_PKCS1_V1_5_SHA_512", "message.txt.rsa2048.pkcs1-sha512.sig")]
    [InlineData("PS256", "RSASSA_PKCS1_V1_5_SHA_256", "message.txt.rsa2048.pkcs1-sha256.sig")]
    public void A_jwk_pinned_alg_refuses_valid_detached_signatures_of_another_algorithm(string pin, string algorithm, string signature)
    {
        var key = Fixtures.Key("rsa2048");
        var store = TrustStore.FromKeys([key.WithMetadata("pinned", pin)]);
        var options = new DetachedSignatureOptions { Algorithm = DetachedSignatureOptions.ParseAlgorithm(algorithm) };
        Assert.True(new DetachedSignatureVerifier(TrustStore.FromKeys([key]), options).Verify(Fixtures.Bytes("files/message.txt"), Fixtures.Bytes($"files/{signature}")).IsValid);

        var result = new DetachedSignatureVerifier(store, options).VerifyFile(Fixtures.PathOf("files/message.txt"), Fixtures.PathOf($"files/{signature}"));

        Assert.Equal(VerificationStatus.AlgorithmNotAllowed, result.Status);
        Assert.Equal($"the key is pinned to alg '{pin}' by its JWK, the signature is checked as {algorithm}", result.Reason);
        Assert.Equal("pinned", result.KeyId);
        Assert.Equal(algorithm, result.Algorithm);
    }

    [Fact]
    public void A_jwk_pinned_alg_is_the_default_algorithm_and_keys_pinned_elsewhere_are_passed_over()
    {
        var pss = TrustStore.FromKeys([Fixtures.Key("rsa2048").WithMetadata("pss", "PS256")]);
        var both = TrustStore.FromKeys([Fixtures.Key("rsa2048").WithMetadata("pss", "PS256"), Fixtures.Key("rsa2048").WithMetadata("pkcs1", "RS256")]);
        var message = Fixtures.PathOf("files/message.txt");

        var byPin = new DetachedSignatureVerifier(pss).VerifyFile(message, Fixtures.PathOf("files/message.txt.rsa2048.pss-sha256.sig"));
        var pkcs1ByDefault = new DetachedSignatureVerifier(pss).VerifyFile(message, Fixtures.PathOf("files/message.txt.rsa2048.pkcs1-sha256.sig"));
        var named = new DetachedSignatureVerifier(both, new DetachedSignatureOptions { Algorithm = SignatureAlgorithm.RsaPkcs1Sha256 })
            .VerifyFile(message, Fixtures.PathOf("files/message.txt.rsa2048.pkcs1-sha256.sig"));

        Assert.True(byPin.IsValid, byPin.ToString());
        Assert.Equal("RSASSA_PSS_SHA_256", byPin.Algorithm);
        Assert.Equal(VerificationStatus.InvalidSignature, pkcs1ByDefault.Status);
        Assert.True(named.IsValid, named.ToString());
        Assert.Equal("pkcs1", named.KeyId);
    }

    [Fact]
    public void Pure_ed25519_over_a_file_beyond_the_bound_is_message_too_large()
    {
        var verifier = new DetachedSignatureVerifier(TrustStore.FromKeys([Fixtures.Key("ed25519")]),
            new DetachedSignatureOptions { Algorithm = SignatureAlgorithm.Ed25519Sha512, MaxInMemoryMessageLength = 100_000 });

        var result = verifier.VerifyFile(Fixtures.PathOf("files/large.bin"), Fixtures.PathOf("files/large.bin.ed25519.sig"));

        Assert.Equal(VerificationStatus.MessageTooLarge, result.Status);
        Assert.Contains("ED25519_SHA_512", result.Reason);
    }

    // Files over one read buffer (1 MiB) are streamed. A whole-message algorithm must then refuse a file over the
    // bound, never check the signature over what it did not read: the empty message (interop/empty.ed25519.sig,
    // made by node) would make every such file valid.
    [Fact]
    public void A_streamed_file_over_the_in_memory_bound_is_too_large_and_never_checked_as_the_empty_message()
    {
        var verifier = new DetachedSignatureVerifier(TrustStore.FromKeys(Core.Keys.PublicKey.LoadFile(Fixtures.PathOf("interop/ed25519.pem"))),
            new DetachedSignatureOptions { MaxInMemoryMessageLength = 1024 * 1024 });
        var signature = Fixtures.PathOf("interop/empty.ed25519.sig");
        var dir = Directory.CreateTempSubdirectory("kms-bound-");
        try
        {
            var empty = Path.Combine(dir.FullName, "empty.bin");
            var large = Path.Combine(dir.FullName, "large.bin");
            File.WriteAllBytes(empty, []);
            File.WriteAllBytes(large, new byte[(2 * 1024 * 1024) + 1]);

            var ofEmpty = verifier.VerifyFile(empty, signature);
            var ofLarge = verifier.VerifyFile(large, signature);
            using var stream = File.OpenRead(large);
            var ofStream = verifier.Verify(stream, File.ReadAllBytes(signature));

            Assert.True(ofEmpty.IsValid, ofEmpty.ToString());
            Assert.Equal(VerificationStatus.MessageTooLarge, ofLarge.Status);
            Assert.Equal(VerificationStatus.MessageTooLarge, ofStream.Status);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public void A_digest_file_over_one_read_buffer_is_malformed_as_a_large_file()
    {
        var verifier = new DetachedSignatureVerifier(TrustStore.FromKeys([Fixtures.Key("p256")]),
            new DetachedSignatureOptions { MessageType = MessageType.Digest });
        var dir = Directory.CreateTempSubdirectory("kms-bigdigest-");
        try
        {
            var large = Path.Combine(dir.FullName, "large.bin");
            File.WriteAllBytes(large, new byte[(2 * 1024 * 1024) + 1]);

            var result = verifier.VerifyFile(large, Fixtures.PathOf("files/message.txt.p256.der.sig"));

            Assert.Equal(VerificationStatus.Malformed, result.Status);
            Assert.Contains("not a large file", result.Reason);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public void Missing_signature_file_and_directories_throw_with_the_path_as_target()
    {
        var verifier = new DetachedSignatureVerifier(TrustStore.FromKeys([Fixtures.Key("p256")]));

        var missing = Assert.Throws<KmsSignatureException>(() => verifier.VerifyFile(Fixtures.PathOf("files/large.bin")));
        var directory = Assert.Throws<KmsSignatureException>(() => verifier.VerifyFile(Fixtures.PathOf("files")));
        var noFile = Assert.Throws<KmsSignatureException>(() => verifier.VerifyFile(Fixtures.PathOf("files/none.txt")));

        Assert.Equal("KmsSignature.SignatureFileNotFound", missing.ErrorId);
        Assert.Equal(Fixtures.PathOf("files/large.bin.sig"), missing.Target);
        Assert.Equal("KmsSignature.PathIsDirectory", directory.ErrorId);
        Assert.Equal("KmsSignature.FileNotFound", noFile.ErrorId);
    }

    [Fact]
    public void Ecdsa_der_truncated_or_with_trailing_bytes_and_rs_of_wrong_length_are_invalid()
    {
        var verifier = For("p256", "ECDSA_SHA_256");
        var message = Fixtures.Bytes("files/message.txt");
        var der = Fixtures.Bytes("files/message.txt.p256.der.sig");
        var rs = Fixtures.Bytes("files/message.txt.p256.rs.sig");

        Assert.Equal(VerificationStatus.InvalidSignature, verifier.Verify(message, der[..^3]).Status);
        Assert.Equal(VerificationStatus.InvalidSignature, verifier.Verify(message, [.. der, 0]).Status);
        Assert.Equal(VerificationStatus.InvalidSignature, verifier.Verify(message, rs[..^1]).Status);
        Assert.Equal(VerificationStatus.InvalidSignature, verifier.Verify(message, [.. rs, 0]).Status);
        Assert.Equal(VerificationStatus.Malformed, verifier.Verify(message, []).Status);
    }

    // `echo > file.sig`, or Set-Content of an empty string (a byte order mark and a line end): no signature at all, as an
    // empty file is, not a signature that fails to verify.
    [Theory]
    [InlineData(new byte[] { (byte)'\n' })]
    [InlineData(new byte[] { (byte)' ', (byte)'\r', (byte)'\n', (byte)'\t' })]
    [InlineData(new byte[] { 0xEF, 0xBB, 0xBF, (byte)'\r', (byte)'\n' })]
    [InlineData(new byte[] { 0xFF, 0xFE, (byte)'\r', 0, (byte)'\n', 0 })]
    public void A_signature_file_of_only_whitespace_is_malformed_as_an_empty_one(byte[] signature)
    {
        foreach (var key in new[] { "p256", "rsa2048", "ed25519", "mldsa44" })
        {
            var result = new DetachedSignatureVerifier(TrustStore.FromKeys([Fixtures.Key(key)])).Verify(Fixtures.Bytes("files/message.txt"), signature);

            Assert.Equal(VerificationStatus.Malformed, result.Status);
            Assert.StartsWith("the signature is empty", result.Reason);
        }
    }

    [Fact]
    public void Algorithm_that_fits_no_trusted_key_is_refused_up_front()
    {
        var ex = Assert.Throws<KmsSignatureException>(() => For("p256", "RSASSA_PSS_SHA_256"));

        Assert.Equal("KmsSignature.AlgorithmDoesNotFitKey", ex.ErrorId);
        Assert.Equal("KmsSignature.UnknownAlgorithm",
            Assert.Throws<KmsSignatureException>(() => DetachedSignatureOptions.ParseAlgorithm("HS256")).ErrorId);
    }

    [Fact]
    public void Ml_dsa_has_no_digest_message_type()
    {
        Assert.Equal("KmsSignature.DigestNotSupported",
            Assert.Throws<KmsSignatureException>(() => For("mldsa44", "ML_DSA_SHAKE_256", MessageType.Digest)).ErrorId);
    }

    // Files larger than one read buffer (1 MiB) are hashed incrementally, each distinct hash once; smaller
    // ones in one shot. Both paths, with keys of different hashes in one trust store, must agree with .NET.
    [Theory]
    [InlineData(1000)]
    [InlineData(1024 * 1024 - 1)]
    [InlineData(1024 * 1024)]
    [InlineData(3 * 1024 * 1024 + 17)]
    public void Files_below_and_beyond_one_read_buffer_verify_with_keys_of_different_hashes(int size)
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var rsa = RSA.Create(2048);
        var store = TrustStore.FromKeys([
            Core.Keys.PublicKey.FromSpki(rsa.ExportSubjectPublicKeyInfo(), "rsa"),
            Core.Keys.PublicKey.FromSpki(p384.ExportSubjectPublicKeyInfo(), "p384")]);
        var verifier = new DetachedSignatureVerifier(store);
        var dir = Directory.CreateTempSubdirectory("kms-large-");
        try
        {
            var message = Path.Combine(dir.FullName, "message.bin");
            var data = new byte[size];
            new Random(size).NextBytes(data);
            File.WriteAllBytes(message, data);
            var ecdsaSig = Path.Combine(dir.FullName, "ecdsa.sig");
            var rsaSig = Path.Combine(dir.FullName, "rsa.sig");
            File.WriteAllBytes(ecdsaSig, p384.SignData(data, HashAlgorithmName.SHA384, DSASignatureFormat.Rfc3279DerSequence));
            File.WriteAllBytes(rsaSig, rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

            var byEcdsa = verifier.VerifyFile(message, ecdsaSig);
            var byRsa = verifier.VerifyFile(message, rsaSig);
            Assert.True(byEcdsa.IsValid, byEcdsa.ToString());
            Assert.Equal("ECDSA_SHA_384", byEcdsa.Algorithm);
            Assert.True(byRsa.IsValid, byRsa.ToString());
            Assert.Equal("RSASSA_PKCS1_V1_5_SHA_256", byRsa.Algorithm);

            data[^1] ^= 1;
            File.WriteAllBytes(message, data);
            Assert.Equal(VerificationStatus.InvalidSignature, verifier.VerifyFile(message, ecdsaSig).Status);
            Assert.Equal(VerificationStatus.InvalidSignature, verifier.VerifyFile(message, rsaSig).Status);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    // Small files are read whole in one call, at the length they had when opened; an empty file (the length
    // pipes report too) goes through the stream and must still verify.
    [Fact]
    public void Empty_and_one_byte_files_verify_and_a_changed_byte_does_not()
    {
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var verifier = new DetachedSignatureVerifier(TrustStore.FromKeys([Core.Keys.PublicKey.FromSpki(p256.ExportSubjectPublicKeyInfo(), "p256")]));
        var dir = Directory.CreateTempSubdirectory("kms-small-");
        try
        {
            var empty = Path.Combine(dir.FullName, "empty.bin");
            var one = Path.Combine(dir.FullName, "one.bin");
            File.WriteAllBytes(empty, []);
            File.WriteAllBytes(empty + ".sig", p256.SignData([], HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
            File.WriteAllBytes(one, [42]);
            File.WriteAllBytes(one + ".sig", p256.SignData([42], HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));

            Assert.True(verifier.VerifyFile(empty).IsValid);
            Assert.True(verifier.VerifyFile(one).IsValid);
            File.WriteAllBytes(one, [43]);
            Assert.Equal(VerificationStatus.InvalidSignature, verifier.VerifyFile(one).Status);
            Assert.Equal(VerificationStatus.InvalidSignature, verifier.VerifyFile(empty, one + ".sig").Status);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public void A_digest_file_verifies_and_one_longer_than_any_hash_is_malformed()
    {
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var verifier = new DetachedSignatureVerifier(TrustStore.FromKeys([Core.Keys.PublicKey.FromSpki(p256.ExportSubjectPublicKeyInfo(), "p256")]),
            new DetachedSignatureOptions { MessageType = MessageType.Digest });
        var dir = Directory.CreateTempSubdirectory("kms-digest-");
        try
        {
            var message = new byte[5000];
            new Random(5).NextBytes(message);
            var digest = Path.Combine(dir.FullName, "message.sha256");
            var notDigest = Path.Combine(dir.FullName, "message.bin");
            File.WriteAllBytes(digest, SHA256.HashData(message));
            File.WriteAllBytes(notDigest, message);
            var signature = p256.SignData(message, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
            File.WriteAllBytes(digest + ".sig", signature);
            File.WriteAllBytes(notDigest + ".sig", signature);

            var valid = verifier.VerifyFile(digest);
            var tooLong = verifier.VerifyFile(notDigest);

            Assert.True(valid.IsValid, valid.ToString());
            Assert.Equal(MessageType.Digest, valid.MessageType);
            Assert.Equal(VerificationStatus.Malformed, tooLong.Status);
            Assert.Contains("not a large file", tooLong.Reason);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    // A signature is read to its end, not to a length: it may come through a named pipe (process substitution,
    // a fetch piped in), and anything longer than the largest signature is malformed without being read whole.
    [Fact]
    public void Signatures_from_a_named_pipe_verify_and_oversized_ones_are_malformed()
    {
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var verifier = new DetachedSignatureVerifier(TrustStore.FromKeys([Core.Keys.PublicKey.FromSpki(p256.ExportSubjectPublicKeyInfo(), "p256")]));
        var dir = Directory.CreateTempSubdirectory("kms-sigpipe-");
        try
        {
            var message = Path.Combine(dir.FullName, "message.bin");
            File.WriteAllBytes(message, [1, 2, 3]);
            var signature = p256.SignData([1, 2, 3], HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
            var oversized = new byte[Core.Signatures.SignatureEncoding.MaxSignatureFileLength + 1];
            signature.CopyTo(oversized, 0);
            var regular = Path.Combine(dir.FullName, "oversized.sig");
            File.WriteAllBytes(regular, oversized);

            var fromPipe = WithNamedPipe(Path.Combine(dir.FullName, "good.sig"), signature, pipe => verifier.VerifyFile(message, pipe));
            var oversizedFromPipe = WithNamedPipe(Path.Combine(dir.FullName, "big.sig"), oversized, pipe => verifier.VerifyFile(message, pipe));
            var oversizedFile = verifier.VerifyFile(message, regular);

            Assert.True(fromPipe.IsValid, fromPipe.ToString());
            Assert.Equal(VerificationStatus.Malformed, oversizedFromPipe.Status);
            Assert.Equal(VerificationStatus.Malformed, oversizedFile.Status);
            Assert.Contains("larger than 65536 bytes", oversizedFile.Reason);
            File.WriteAllBytes(regular, signature);
            Assert.True(verifier.VerifyFile(message, regular).IsValid); // the same bytes, a byte shorter than the limit's end
        }
        finally
        {
            dir.Delete(true);
        }
    }

    // Writes `content` into a named pipe at `path` in small pieces while `read` opens and reads it.
    private static T WithNamedPipe<T>(string path, byte[] content, Func<string, T> read)
    {
        Assert.Equal(0, MakeFifo(path, Convert.ToUInt32("600", 8)));
        var writer = Task.Run(() =>
        {
            try
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Write); // waits for the reader
                foreach (var chunk in content.Chunk(4096))
                {
                    stream.Write(chunk);
                    stream.Flush();
                }
            }
            catch (IOException)
            {
                // The reader stopped early (an oversized signature) and closed its end.
            }
        });
        var result = read(path);
        Assert.True(writer.Wait(TimeSpan.FromSeconds(10)), "the pipe's writer did not finish");
        return result;
    }

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int MakeFifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);

    [Theory]
    [InlineData(1000, new long[0])]
    [InlineData(3 * 1024 * 1024 + 17, new long[] { 1 << 20, 2 << 20, 3 << 20, (3 << 20) + 17 })]
    public void Files_over_one_buffer_report_the_bytes_hashed_after_each_buffer_on_the_calling_thread(int size, long[] expected)
    {
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var verifier = new DetachedSignatureVerifier(TrustStore.FromKeys([Core.Keys.PublicKey.FromSpki(p256.ExportSubjectPublicKeyInfo(), "p256")]));
        var dir = Directory.CreateTempSubdirectory("kms-progress-");
        try
        {
            var message = Path.Combine(dir.FullName, "message.bin");
            var data = new byte[size];
            new Random(size).NextBytes(data);
            File.WriteAllBytes(message, data);
            File.WriteAllBytes(message + ".sig", p256.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
            var reports = new RecordingProgress();

            var result = verifier.VerifyFile(message, hashed: reports);

            Assert.True(result.IsValid, result.ToString());
            Assert.Equal(expected, reports.Values);
            Assert.All(reports.Threads, id => Assert.Equal(Environment.CurrentManagedThreadId, id));
        }
        finally
        {
            dir.Delete(true);
        }
    }

    private sealed class RecordingProgress : IProgress<long>
    {
        public List<long> Values { get; } = [];

        public List<int> Threads { get; } = [];

        public void Report(long value)
        {
            Values.Add(value);
            Threads.Add(Environment.CurrentManagedThreadId);
        }
    }
}
