using KmsSignature.Core.Keys;

namespace KmsSignature.Core.Tests.Keys;

/// <summary>Issue 3 §5: private keys, certificates, unsupported key types and garbage get a precise error, never a crash.</summary>
public sealed class PublicKeyRejectionTests
{
    private static KmsSignatureException Refuse(string file) =>
        Assert.Throws<KmsSignatureException>(() => PublicKey.LoadFile(Fixtures.PathOf(file)));

    [Theory]
    [InlineData("bad/private-key.pem")]
    [InlineData("bad/ec-private-key.pem")]
    [InlineData("bad/private-key.der")]
    public void Private_key_is_refused_without_echoing_it(string file)
    {
        var ex = Refuse(file);

        Assert.Equal("KmsSignature.PrivateKeyNotAllowed", ex.ErrorId);
        Assert.Contains("PRIVATE key", ex.Message);
        var lines = Fixtures.Text("bad/private-key.pem").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (var line in lines.Where(l => !l.StartsWith("-----")))
        {
            Assert.DoesNotContain(line, ex.Message);
            Assert.DoesNotContain(line, ex.Target?.ToString() ?? "");
        }
    }

    [Fact]
    public void Private_jwk_is_refused_without_echoing_it()
    {
        const string secret = "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI";
        var json = "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\"," +
                   "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\",\"d\":\"" + secret + "\"}";

        var ex = Assert.Throws<KmsSignatureException>(() => PublicKey.FromJwk(json));

        Assert.Equal("KmsSignature.PrivateKeyNotAllowed", ex.ErrorId);
        Assert.DoesNotContain(secret, ex.Message);
    }

    [Theory]
    [InlineData("q")]
    [InlineData("dp")]
    [InlineData("dq")]
    [InlineData("qi")]
    [InlineData("oth")]
    public void Rsa_jwk_with_any_private_member_is_refused_without_echoing_it(string member)
    {
        const string secret = "3ZWX0lPhnC7yq_4cO5aKzXrz8Yz3bqLrWcRmCJdvDhM";
        var jwk = System.Text.Json.Nodes.JsonNode.Parse(Fixtures.Text("keys/rsa2048.jwk.json"))!.AsObject();
        jwk[member] = member == "oth" ? System.Text.Json.Nodes.JsonNode.Parse($"[{{\"r\":\"{secret}\",\"d\":\"{secret}\",\"t\":\"{secret}\"}}]") : secret;

        var one = Assert.Throws<KmsSignatureException>(() => PublicKey.FromJwk(jwk.ToJsonString()));
        var set = Assert.Throws<KmsSignatureException>(() => PublicKey.FromJwks($"{{\"keys\":[{jwk.ToJsonString()}]}}"));

        foreach (var ex in new[] { one, set })
        {
            Assert.Equal("KmsSignature.PrivateKeyNotAllowed", ex.ErrorId);
            Assert.DoesNotContain(secret, ex.Message);
        }
    }

    [Fact]
    public void Certificate_is_refused_with_a_hint()
    {
        var ex = Refuse("bad/certificate.pem");

        Assert.Equal("KmsSignature.CertificateNotSupported", ex.ErrorId);
        Assert.Contains("openssl x509 -pubkey", ex.Message);
    }

    [Theory]
    [InlineData("bad/p224.pem", "P-224")]
    [InlineData("bad/rsa1024.pem", "1024 bits")]
    [InlineData("bad/x25519.pem", "X25519")]
    [InlineData("bad/ed448.pem", "Ed448")]
    [InlineData("interop/p256.explicit-parameters.pem", "explicit curve parameters")]
    public void Key_of_an_unsupported_type_is_refused(string file, string named)
    {
        var ex = Refuse(file);

        Assert.Equal("KmsSignature.UnsupportedKeyType", ex.ErrorId);
        Assert.Contains(named, ex.Message);
        Assert.Contains("ECC_NIST_P256", ex.Message);
    }

    [Theory]
    [InlineData("bad/garbage.bin")]
    [InlineData("bad/garbage-body.pem")]
    [InlineData("bad/truncated.der")]
    public void Garbage_is_an_invalid_public_key(string file)
    {
        var ex = Refuse(file);

        Assert.Equal("KmsSignature.InvalidPublicKey", ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidData, ex.Kind);
    }

    [Fact]
    public void Der_with_trailing_bytes_is_refused()
    {
        var der = Fixtures.Bytes("keys/p256.der").Append((byte)0).ToArray();

        Assert.Equal("KmsSignature.InvalidPublicKey",
            Assert.Throws<KmsSignatureException>(() => PublicKey.FromSpki(der)).ErrorId);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n")]
    [InlineData("not a key")]
    [InlineData("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AAAA\"}")]
    [InlineData("{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\"}")]
    [InlineData("{\"kty\":\"AKP\",\"pub\":\"AQAB\"}")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"keys\":[]}")]
    [InlineData("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU=\",\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}")]
    public void Malformed_text_is_refused(string text)
    {
        var ex = Assert.Throws<KmsSignatureException>(() => PublicKey.ParseAll(text, "-PublicKey"));

        Assert.StartsWith("KmsSignature.", ex.ErrorId);
        Assert.Contains("-PublicKey", ex.Message);
    }

    // An empty set (a rotation that published nothing) was "holds no key of a KMS signing key spec", a key-type problem.
    [Theory]
    [InlineData("{\"keys\":[]}", "KmsSignature.TrustStoreEmpty", "is a JWKS with no keys")]
    [InlineData("{\"keys\":[{\"kty\":\"oct\",\"k\":\"AAAA\"}]}", "KmsSignature.UnsupportedKeyType", "holds no key of a KMS signing key spec")]
    public void A_JWKS_with_no_keys_is_empty_and_one_with_only_other_keys_is_unsupported(string text, string errorId, string message)
    {
        var ex = Assert.Throws<KmsSignatureException>(() => PublicKey.ParseAll(text, "-PublicKey"));

        Assert.Equal(errorId, ex.ErrorId);
        Assert.Contains(message, ex.Message);
    }

    // "\ud800" without its pair is JSON grammar but no text: System.Text.Json throws InvalidOperationException when
    // it unescapes one, which ended Test-KmsSignature without the documented KmsSignature.InvalidPublicKey.
    [Theory]
    [InlineData("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\",\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\",\"kid\":\"\\ud800\"}")]
    [InlineData("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\",\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\",\"\\udc00\":1}")]
    [InlineData("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\",\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\",\"alg\":\"ES\\ud800\"}]}")]
    [InlineData("{\"\\ud800\":[]}")]
    public void Jwk_with_an_escaped_lone_surrogate_is_an_invalid_public_key(string text)
    {
        var ex = Assert.Throws<KmsSignatureException>(() => PublicKey.ParseAll(text, "-PublicKey"));

        Assert.Equal("KmsSignature.InvalidPublicKey", ex.ErrorId);
        Assert.Contains("lone UTF-16 surrogate", ex.Message);
    }

    // JsonElement reads a duplicate's last value, other JWK readers its first: {"x":A,"x":B} is one key to us, another to them.
    private const string P256Members = "\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\",\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"";

    [Theory]
    [InlineData("{" + P256Members + ",\"kid\":\"a\",\"kid\":\"b\"}", "kid")]
    [InlineData("{\"x\":\"AAAA\"," + P256Members + "}", "x")]
    [InlineData("{" + P256Members + ",\"alg\":\"ES384\",\"alg\":\"ES256\"}", "alg")]
    [InlineData("{" + P256Members + ",\"use\":\"enc\",\"\\u0075se\":\"sig\"}", "use")]
    [InlineData("{\"keys\":[],\"keys\":[{" + P256Members + "}]}", "keys")]
    [InlineData("{\"keys\":[{" + P256Members + ",\"kid\":\"a\",\"kid\":\"b\"}]}", "kid")]
    public void Jwk_or_jwks_with_a_member_twice_is_an_invalid_public_key(string text, string member)
    {
        var ex = Assert.Throws<KmsSignatureException>(() => PublicKey.ParseAll(text, "-PublicKey"));

        Assert.Equal("KmsSignature.InvalidPublicKey", ex.ErrorId);
        Assert.Contains($"the member \"{member}\" twice", ex.Message);
    }

    // Each "-----BEGIN " without an end made the PEM reader search the rest of the text: quadratic in its length. The
    // text is now scanned once, and more blocks than a trust store may hold are refused while scanning.
    // Errors about a key file's content targeted the quoted label of the message ("'/keys/a.pem'"), unlike the errors about
    // reading it: the target is the path, so `$err[0].TargetObject` can be opened, moved or removed as it is.
    [Theory]
    [InlineData("not a key", "KmsSignature.InvalidPublicKey")]
    [InlineData("{\"keys\":[]}", "KmsSignature.TrustStoreEmpty")]
    [InlineData("{\"kty\":\"oct\",\"k\":\"AAAA\"}", "KmsSignature.UnsupportedKeyType")]
    public void An_error_about_a_key_files_content_targets_its_path(string content, string errorId)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("kms-keyfile-").FullName, "key.json");
        File.WriteAllText(path, content);

        var ex = Assert.Throws<KmsSignatureException>(() => PublicKey.LoadFile(path));

        Assert.Equal(errorId, ex.ErrorId);
        Assert.Equal(path, ex.Target);
        Assert.Contains($"'{path}'", ex.Message);
    }

    [Fact]
    public void Pem_text_with_more_boundaries_than_a_trust_store_holds_is_refused()
    {
        var text = string.Concat(Enumerable.Repeat("-----BEGIN PUBLIC KEY-----\n", Core.Verification.TrustStore.MaxKeys + 1));

        var ex = Assert.Throws<KmsSignatureException>(() => PublicKey.ParseAll(text, "'bundle.pem'"));

        Assert.Equal("KmsSignature.TrustStoreTooLarge", ex.ErrorId);
        Assert.Equal(ErrorKind.LimitsExceeded, ex.Kind);
        Assert.Equal("'bundle.pem'", ex.Target);
    }

    [Fact]
    public void Pem_boundaries_without_an_end_are_passed_over_up_to_a_block_that_has_one()
    {
        var block = Fixtures.Text("keys/p256.pem");
        var text = string.Concat(Enumerable.Repeat("-----BEGIN PUBLIC KEY-----\nAAAA\n", 5_000)) + block + "-----BEGIN PUBLIC KEY-----\n";

        var keys = PublicKey.ParseAll(text, "'bundle.pem'");

        Assert.Equal(Fixtures.Key("p256"), Assert.Single(keys));
    }

    [Fact]
    public void Missing_file_and_directory_have_their_own_errors()
    {
        Assert.Equal("KmsSignature.PublicKeyNotFound",
            Assert.Throws<KmsSignatureException>(() => PublicKey.LoadFile(Fixtures.PathOf("keys/none.pem"))).ErrorId);
        Assert.Equal("KmsSignature.PathIsDirectory",
            Assert.Throws<KmsSignatureException>(() => PublicKey.LoadFile(Fixtures.PathOf("keys"))).ErrorId);
    }

    [Fact]
    public void Jwk_alg_that_does_not_fit_the_key_is_refused()
    {
        var json = Fixtures.Text("keys/p256.jwk.json").Replace("\"ES256\"", "\"RS256\"");

        Assert.Equal("KmsSignature.InvalidPublicKey", Assert.Throws<KmsSignatureException>(() => PublicKey.FromJwk(json)).ErrorId);
    }

    // Keys no KMS key could be, which the platform may accept or refuse: refused up front with the key's source,
    // never as a platform exception from the trust store.
    public static TheoryData<string, string> DegenerateRsaJwks()
    {
        var jwk = System.Text.Json.Nodes.JsonNode.Parse(Fixtures.Text("keys/rsa2048.jwk.json"))!.AsObject();
        var modulus = Core.Jose.Base64Url.Decode((string)jwk["n"]!);
        string With(string member, byte[] value)
        {
            var copy = jwk.DeepClone().AsObject();
            copy[member] = Core.Jose.Base64Url.Encode(value);
            return copy.ToJsonString();
        }

        var even = (byte[])modulus.Clone();
        even[^1] &= 0xFE;
        return new TheoryData<string, string>
        {
            { With("e", [1]), "exponent is 1" },
            { With("e", [2]), "exponent is not odd" },
            { With("n", even), "modulus is even" },
        };
    }

    [Theory]
    [MemberData(nameof(DegenerateRsaJwks))]
    public void Rsa_keys_with_a_degenerate_exponent_or_modulus_are_invalid(string jwk, string reason)
    {
        var ex = Assert.Throws<KmsSignatureException>(() => Core.Verification.TrustStore.FromKeys([PublicKey.FromJwk(jwk)]));

        Assert.Equal("KmsSignature.InvalidPublicKey", ex.ErrorId);
        Assert.Contains(reason, ex.Message);
    }

    [Fact]
    public void Ec_point_off_its_curve_is_an_invalid_key_not_a_platform_limit()
    {
        var jwk = System.Text.Json.Nodes.JsonNode.Parse(Fixtures.Text("keys/p256.jwk.json"))!.AsObject();
        var y = Core.Jose.Base64Url.Decode((string)jwk["y"]!);
        y[^1] ^= 1;
        jwk["y"] = Core.Jose.Base64Url.Encode(y);

        var ex = Assert.Throws<KmsSignatureException>(() => Core.Verification.TrustStore.FromKeys([PublicKey.FromJwk(jwk.ToJsonString())]));

        Assert.Equal("KmsSignature.InvalidPublicKey", ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidData, ex.Kind);
        Assert.Contains("not a valid point on its curve", ex.Message);
    }

    public static TheoryData<string> Ed25519NonPoints()
    {
        var offCurve = Core.Jose.Base64Url.Decode((string)System.Text.Json.Nodes.JsonNode.Parse(Fixtures.Text("keys/ed25519.jwk.json"))!["x"]!);
        offCurve[0]++; // this y has no x on the curve
        byte[] yIsP = [0xED, .. Enumerable.Repeat((byte)0xFF, 30), 0x7F]; // y = 2^255 - 19, not canonical
        return [Convert.ToHexString(offCurve), Convert.ToHexString(yIsP)];
    }

    [Theory]
    [MemberData(nameof(Ed25519NonPoints))]
    public void Ed25519_key_that_is_no_point_is_an_invalid_key_naming_its_file(string hex)
    {
        var key = Convert.FromHexString(hex);
        var jwk = "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" + Core.Jose.Base64Url.Encode(key) + "\"}";
        var dir = Directory.CreateTempSubdirectory("kms-ed-");
        try
        {
            var der = Path.Combine(dir.FullName, "ed.der");
            File.WriteAllBytes(der, [.. Convert.FromHexString("302a300506032b6570032100"), .. key]);
            var json = Path.Combine(dir.FullName, "ed.jwk");
            File.WriteAllText(json, jwk);

            foreach (var path in new[] { der, json })
            {
                var ex = Assert.Throws<KmsSignatureException>(() => Core.Verification.TrustStore.Load(path));

                Assert.Equal("KmsSignature.InvalidPublicKey", ex.ErrorId);
                Assert.Equal(ErrorKind.InvalidData, ex.Kind);
                Assert.Contains("not the encoding of a point", ex.Message);
                Assert.Contains(path, ex.Target?.ToString());
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\nc2VjcmV0LW1hdGVyaWFs\n-----END RSA PRIVATE KEY-----\n", true)]
    [InlineData("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\nc2VjcmV0LW1hdGVyaWFs\n-----END RSA PRIVATE KEY-----\n", false)]
    [InlineData("-----BEGIN PRIVATE KEY-----\nc2VjcmV0LW1hdGVyaWFs!\n-----END PRIVATE KEY-----\n", true)]
    public void Private_key_block_beside_a_public_key_refuses_the_file(string privateBlock, bool publicFirst)
    {
        var publicPem = Fixtures.Text("keys/p256.pem");
        var dir = Directory.CreateTempSubdirectory("kms-mixed-");
        try
        {
            var path = Path.Combine(dir.FullName, "bundle.pem");
            File.WriteAllText(path, publicFirst ? publicPem + privateBlock : privateBlock + publicPem);

            var ex = Assert.Throws<KmsSignatureException>(() => Core.Verification.TrustStore.Load(path));

            Assert.Equal("KmsSignature.PrivateKeyNotAllowed", ex.ErrorId);
            Assert.Contains(path, ex.Target?.ToString());
            Assert.DoesNotContain("c2VjcmV0LW1hdGVyaWFs", ex.Message);
            Assert.Equal("KmsSignature.PrivateKeyNotAllowed",
                Assert.Throws<KmsSignatureException>(() => PublicKey.ParseAll(publicFirst ? publicPem + privateBlock : privateBlock + publicPem, "-PublicKey")).ErrorId);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("p256", "P-256", false)]
    [InlineData("p384", "P-384", false)]
    [InlineData("p521", "P-521", false)]
    [InlineData("secp256k1", "secp256k1", false)]
    [InlineData("p256", "P-256", true)]
    [InlineData("secp256k1", "secp256k1", true)]
    public void Ec_point_off_its_curve_is_an_invalid_key_naming_its_file(string name, string curve, bool xIsFieldPrime)
    {
        var jwk = System.Text.Json.Nodes.JsonNode.Parse(Fixtures.Text($"keys/{name}.jwk.json"))!.AsObject();
        var x = Core.Jose.Base64Url.Decode((string)jwk["x"]!);
        var y = Core.Jose.Base64Url.Decode((string)jwk["y"]!);
        if (xIsFieldPrime)
        {
            x = Convert.FromHexString(name == "p256"
                ? "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF"
                : "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F");
        }
        else
        {
            y[^1] ^= 1;
        }

        jwk["x"] = Core.Jose.Base64Url.Encode(x);
        jwk["y"] = Core.Jose.Base64Url.Encode(y);
        var spki = Fixtures.Bytes($"keys/{name}.der");
        x.CopyTo(spki, spki.Length - 2 * x.Length);
        y.CopyTo(spki, spki.Length - y.Length);
        var dir = Directory.CreateTempSubdirectory("kms-ec-");
        try
        {
            var json = Path.Combine(dir.FullName, "ec.jwk");
            File.WriteAllText(json, jwk.ToJsonString());
            var der = Path.Combine(dir.FullName, "ec.der");
            File.WriteAllBytes(der, spki);

            foreach (var path in new[] { json, der })
            {
                var ex = Assert.Throws<KmsSignatureException>(() => Core.Verification.TrustStore.Load(path));

                Assert.Equal("KmsSignature.InvalidPublicKey", ex.ErrorId);
                Assert.Equal(ErrorKind.InvalidData, ex.Kind);
                Assert.Contains($"not a valid point on its curve, {curve}", ex.Message);
                Assert.Contains(path, ex.Target?.ToString());
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Pipe_that_reports_no_length_is_read_no_further_than_the_key_file_bound()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // no FIFOs; /dev/zero and bash's <(...) are Unix too
        }

        var dir = Directory.CreateTempSubdirectory("kms-fifo-");
        try
        {
            var fifo = Path.Combine(dir.FullName, "key.pem");
            using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", fifo))
            {
                await mkfifo.WaitForExitAsync();
            }

            var writer = Task.Run(() =>
            {
                try
                {
                    using var stream = new FileStream(fifo, FileMode.Open, FileAccess.Write);
                    var chunk = new byte[1024 * 1024];
                    Array.Fill(chunk, (byte)'A');
                    for (var i = 0; i < 64; i++)
                    {
                        stream.Write(chunk);
                    }
                }
                catch (IOException)
                {
                    // the reader stopped reading: what the bound is for
                }
            });

            // Named as the trust store itself: a directory's listing passes over pipes, a path given on purpose is read.
            var ex = Assert.Throws<KmsSignatureException>(() => Core.Verification.TrustStore.Load(fifo));
            await writer.WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal("KmsSignature.InvalidPublicKey", ex.ErrorId);
            Assert.Contains("larger than 4 MiB", ex.Message);
            Assert.Equal(fifo, ex.Target);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
