using System.Text;
using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests.Signing;

/// <summary>
/// The composition matrix, at the PowerShell level: every KMS signing key spec × every signing algorithm KMS allows for
/// it × every output (New-KmsSignedJwt where JOSE names the algorithm, New-KmsSignature on a RAW-sized file and on
/// -Message bytes, and each of them over 4096 bytes: DIGEST, or MessageTooLarge where KMS takes no digest) × every key source Test-KmsSignature documents (PEM text and file, JWK,
/// JWKS file and folder via -TrustStore, -KeyId, Export-KmsPublicKeyPem's object, also piped from Get-KmsSigningKey).
/// Each cell is Valid and its copy with one flipped byte (token payload, file or message) is InvalidSignature. Cross
/// cells: another key of the same spec, and a JWK pinned to one RSA algorithm given a signature made with another.
/// One key per spec, shared by the class.
/// </summary>
public sealed class SigningCompositionMatrixTests(SigningFixture fixture) : IClassFixture<SigningFixture>, IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("kmssig-matrix-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    // Verifies as the verifier principal, which may only read the public key; the sources are built from its exports.
    private const string KeySources = """
        $pemText = Export-KmsPublicKeyPem -KeyId $k -Format Pem @kmsVerifier
        Export-KmsPublicKeyPem -KeyId $k -Path "$d/key.pem" @kmsVerifier
        $jwk = Export-KmsPublicKeyPem -KeyId $k -Format Jwk @kmsVerifier
        $null = [IO.Directory]::CreateDirectory("$d/store")
        Export-KmsPublicKeyPem -KeyId $k -Format Jwks -Path "$d/store/keys.jwks" @kmsVerifier
        $sources = [ordered]@{
            PemText = @{ PublicKey = $pemText }
            PemFile = @{ PublicKey = "$d/key.pem" }
            Jwk = @{ PublicKey = $jwk }
            JwksFile = @{ TrustStore = "$d/store/keys.jwks" }
            JwksFolder = @{ TrustStore = "$d/store" }
            KeyId = @{ KeyId = $k } + $kmsVerifier
            ExportObject = @{ PublicKey = (Export-KmsPublicKeyPem -KeyId $k @kmsVerifier) }
            SigningKeyExport = @{ PublicKey = (Get-KmsSigningKey -KeyId $k @kmsVerifier | Export-KmsPublicKeyPem @kmsVerifier) }
        }
        """;

    public static TheoryData<string, string, string?> Cells => new()
    {
        { "RSA_2048", "RSASSA_PKCS1_V1_5_SHA_256", "RS256" },
        { "RSA_2048", "RSASSA_PKCS1_V1_5_SHA_384", "RS384" },
        { "RSA_2048", "RSASSA_PKCS1_V1_5_SHA_512", "RS512" },
        { "RSA_2048", "RSASSA_PSS_SHA_256", "PS256" },
        { "RSA_2048", "RSASSA_PSS_SHA_384", "PS384" },
        { "RSA_2048", "RSASSA_PSS_SHA_512", "PS512" },
        { "RSA_3072", "RSASSA_PKCS1_V1_5_SHA_256", "RS256" },
        { "RSA_3072", "RSASSA_PKCS1_V1_5_SHA_384", "RS384" },
        { "RSA_3072", "RSASSA_PKCS1_V1_5_SHA_512", "RS512" },
        { "RSA_3072", "RSASSA_PSS_SHA_256", "PS256" },
        { "RSA_3072", "RSASSA_PSS_SHA_384", "PS384" },
        { "RSA_3072", "RSASSA_PSS_SHA_512", "PS512" },
        { "RSA_4096", "RSASSA_PKCS1_V1_5_SHA_256", "RS256" },
        { "RSA_4096", "RSASSA_PKCS1_V1_5_SHA_384", "RS384" },
        { "RSA_4096", "RSASSA_PKCS1_V1_5_SHA_512", "RS512" },
        { "RSA_4096", "RSASSA_PSS_SHA_256", "PS256" },
        { "RSA_4096", "RSASSA_PSS_SHA_384", "PS384" },
        { "RSA_4096", "RSASSA_PSS_SHA_512", "PS512" },
        { "ECC_NIST_P256", "ECDSA_SHA_256", "ES256" },
        { "ECC_NIST_P384", "ECDSA_SHA_384", "ES384" },
        { "ECC_NIST_P521", "ECDSA_SHA_512", "ES512" },
        { "ECC_SECG_P256K1", "ECDSA_SHA_256", "ES256K" },
        { "ECC_NIST_EDWARDS25519", "ED25519_SHA_512", "Ed25519" },
        { "ECC_NIST_EDWARDS25519", "ED25519_SHA_512", "EdDSA" },
        { "ECC_NIST_EDWARDS25519", "ED25519_PH_SHA_512", null },
        { "ML_DSA_44", "ML_DSA_SHAKE_256", "ML-DSA-44" },
        { "ML_DSA_65", "ML_DSA_SHAKE_256", "ML-DSA-65" },
        { "ML_DSA_87", "ML_DSA_SHAKE_256", "ML-DSA-87" },
    };

    // Pure Ed25519 and ML-DSA sign the message itself: KMS takes no digest for them.
    private static bool SignsDigests(string algorithm) => algorithm is not ("ED25519_SHA_512" or "ML_DSA_SHAKE_256");

    [Theory]
    [MemberData(nameof(Cells))]
    public async Task Every_output_verifies_from_every_key_source_and_a_flipped_byte_does_not(string spec, string algorithm, string? jwtAlgorithm)
    {
        var arn = await fixture.KeyAsync(spec);
        var dir = Directory.CreateDirectory(Path.Combine(directory, $"{spec}-{algorithm}-{jwtAlgorithm}")).FullName;
        var small = WriteFile(dir, "small.bin", 1000);
        var large = WriteFile(dir, "large.bin", 5000);
        using var session = fixture.NewSession();
        var vars = new Dictionary<string, object?> { ["k"] = arn, ["a"] = algorithm, ["j"] = jwtAlgorithm, ["d"] = dir, ["small"] = small, ["large"] = large };

        var signed = session.Run("""
            if ($j) { (New-KmsSignedJwt -KeyId $k -Algorithm $j -Subject matrix @kmsSigner).Token } else { '' }
            $global:smallSig = New-KmsSignature -LiteralPath $small -KeyId $k -Algorithm $a @kmsSigner
            $smallSig.MessageType
            $global:message = [byte[]](1..200)
            $global:messageSig = New-KmsSignature -Message $message -KeyId $k -Algorithm $a @kmsSigner
            """, vars).AssertSuccess().Output.Select(o => o.ToString()).ToArray();
        // Ed25519ph signs the digest only, whatever the size (KMS takes ED25519_PH_SHA_512 with DIGEST alone).
        Assert.Equal(algorithm == "ED25519_PH_SHA_512" ? "DIGEST" : "RAW", signed[1]);
        // Over 4096 bytes each output goes to KMS as DIGEST; pure Ed25519 and ML-DSA refuse it before any KMS call.
        string[] largeOutputs =
        [
            "New-KmsSignature -LiteralPath $large -KeyId $k -Algorithm $a @kmsSigner",
            "$global:largeMessage = [byte[]]::new(5000); $largeMessage[0] = 7; $global:largeMessageSig = New-KmsSignature -Message $largeMessage -KeyId $k -Algorithm $a @kmsSigner; $largeMessageSig",
            "if ($j) { $global:largeJwt = New-KmsSignedJwt -KeyId $k -Algorithm $j -Subject matrix -Claims @{ pad = 'x' * 5000 } @kmsSigner; $largeJwt }",
        ];
        foreach (var output in largeOutputs.Take(jwtAlgorithm is null ? 2 : 3))
        {
            var largeSigned = session.Run(output, vars);
            if (SignsDigests(algorithm))
            {
                Assert.Equal("DIGEST", Assert.Single(largeSigned.AssertSuccess().Output).Properties["MessageType"].Value);
            }
            else
            {
                Assert.Equal("KmsSignature.MessageTooLarge", largeSigned.ErrorId());
            }
        }

        vars["largeJwt"] = session.Run("if ($j -and $largeJwt) { $largeJwt.Token } else { '' }", vars).AssertSuccess().Output.Single().ToString();
        vars["badLargeJwt"] = (string)vars["largeJwt"]! == "" ? "" : FlipPayloadByte((string)vars["largeJwt"]!);
        vars["jwt"] = signed[0];
        vars["badJwt"] = signed[0].Length == 0 ? "" : FlipPayloadByte(signed[0]);
        vars["smallBad"] = Tampered(small);
        vars["largeBad"] = Tampered(large);
        vars["hasLarge"] = SignsDigests(algorithm);

        var cells = session.Run(KeySources + """

            foreach ($name in $sources.Keys) {
                $src = $sources[$name]
                if ($jwt) {
                    "$name token " + (Test-KmsSignature -Token $jwt @src).Status
                    "$name token-tampered " + (Test-KmsSignature -Token $badJwt @src).Status
                }
                "$name small " + (Test-KmsSignature -LiteralPath $small -Algorithm $a @src).Status
                "$name small-piped " + ($smallSig | Test-KmsSignature @src).Status
                "$name small-tampered " + (Test-KmsSignature -LiteralPath $smallBad -SignaturePath "$small.sig" -Algorithm $a @src).Status
                if ($hasLarge) {
                    "$name large " + (Test-KmsSignature -LiteralPath $large -Algorithm $a @src).Status
                    "$name large-tampered " + (Test-KmsSignature -LiteralPath $largeBad -SignaturePath "$large.sig" -Algorithm $a @src).Status
                    $badLargeMessage = [byte[]]$largeMessage.Clone(); $badLargeMessage[0] = 6
                    "$name message-large " + (Test-KmsSignature -Message $largeMessage -Signature $largeMessageSig.Signature -Algorithm $a @src).Status
                    "$name message-large-tampered " + (Test-KmsSignature -Message $badLargeMessage -Signature $largeMessageSig.Signature -Algorithm $a @src).Status
                }
                if ($largeJwt) {
                    "$name token-large " + (Test-KmsSignature -Token $largeJwt @src).Status
                    "$name token-large-tampered " + (Test-KmsSignature -Token $badLargeJwt @src).Status
                }
                $badMessage = [byte[]]$message.Clone(); $badMessage[100] = $badMessage[100] -bxor 1
                "$name message " + (Test-KmsSignature -Message $message -Signature $messageSig.Signature -Algorithm $a @src).Status
                "$name message-tampered " + (Test-KmsSignature -Message $badMessage -Signature $messageSig.Signature -Algorithm $a @src).Status
            }
            """, vars).AssertSuccess().Output.Select(o => o.ToString()!).ToArray();

        var perSource = (jwtAlgorithm is null ? 0 : 2) + 3 + (SignsDigests(algorithm) ? 4 : 0) + (jwtAlgorithm is not null && SignsDigests(algorithm) ? 2 : 0) + 2;
        Assert.Equal(8 * perSource, cells.Length);
        var wrong = cells.Where(cell => !cell.EndsWith(cell.Contains("-tampered ") ? " InvalidSignature" : " Valid", StringComparison.Ordinal));
        Assert.Empty(wrong);
    }

    // Another key of the same spec: a key without kid (PEM, -KeyId) checks the signature and refuses it; a JWKS matches
    // the token's kid to none of its keys (UntrustedKey) and tries a detached signature against its keys (InvalidSignature).
    [Theory]
    [InlineData("RSA_2048", "RSASSA_PSS_SHA_256", "PS256")]
    [InlineData("ECC_NIST_P256", "ECDSA_SHA_256", "ES256")]
    [InlineData("ECC_NIST_P384", "ECDSA_SHA_384", "ES384")]
    [InlineData("ECC_NIST_P521", "ECDSA_SHA_512", "ES512")]
    [InlineData("ECC_SECG_P256K1", "ECDSA_SHA_256", "ES256K")]
    [InlineData("ECC_NIST_EDWARDS25519", "ED25519_SHA_512", "Ed25519")]
    [InlineData("ML_DSA_44", "ML_DSA_SHAKE_256", "ML-DSA-44")]
    [InlineData("ML_DSA_65", "ML_DSA_SHAKE_256", "ML-DSA-65")]
    [InlineData("ML_DSA_87", "ML_DSA_SHAKE_256", "ML-DSA-87")]
    public async Task Output_of_one_key_fails_cleanly_against_another_key_of_the_same_spec(string spec, string algorithm, string jwtAlgorithm)
    {
        var signer = await fixture.KeyAsync(spec);
        var other = await fixture.KeyAsync(spec, "alias/matrix-other-" + spec.ToLowerInvariant());
        var dir = Directory.CreateDirectory(Path.Combine(directory, $"other-{spec}")).FullName;
        var small = WriteFile(dir, "small.bin", 1000);
        using var session = fixture.NewSession();

        var cells = session.Run("""
            $jwt = (New-KmsSignedJwt -KeyId $signer -Algorithm $j -Subject matrix @kmsSigner).Token
            $smallSig = New-KmsSignature -LiteralPath $small -KeyId $signer -Algorithm $a @kmsSigner
            $message = [byte[]](1..200)
            $messageSig = New-KmsSignature -Message $message -KeyId $signer -Algorithm $a @kmsSigner
            $k = $other

            """ + KeySources + """

            foreach ($name in $sources.Keys) {
                $src = $sources[$name]
                "$name token " + (Test-KmsSignature -Token $jwt @src).Status
                "$name small " + (Test-KmsSignature -LiteralPath $small -Algorithm $a @src).Status
                "$name small-piped " + ($smallSig | Test-KmsSignature @src).Status
                "$name message " + (Test-KmsSignature -Message $message -Signature $messageSig.Signature -Algorithm $a @src).Status
            }
            """, new Dictionary<string, object?> { ["signer"] = signer, ["other"] = other, ["a"] = algorithm, ["j"] = jwtAlgorithm, ["d"] = dir, ["small"] = small })
            .AssertSuccess().Output.Select(o => o.ToString()!).ToArray();

        string[] expected =
        [
            .. Cells4("PemText", "InvalidSignature"), .. Cells4("PemFile", "InvalidSignature"),
            .. Cells4("Jwk", "UntrustedKey"), .. Cells4("JwksFile", "UntrustedKey"), .. Cells4("JwksFolder", "UntrustedKey"),
            .. Cells4("KeyId", "InvalidSignature"), .. Cells4("ExportObject", "InvalidSignature"), .. Cells4("SigningKeyExport", "InvalidSignature"),
        ];
        Assert.Equal(expected, cells);

        static string[] Cells4(string source, string tokenStatus) =>
            [$"{source} token {tokenStatus}", $"{source} small InvalidSignature", $"{source} small-piped InvalidSignature", $"{source} message InvalidSignature"];
    }

    // Export-KmsPublicKeyPem -Algorithm pins an RSA JWK to one alg (RFC 7517 §4.4), and the KmsPublicKey object it prints
    // with it (its PEM was taken without the pin, so RS256 tokens verified against a PS256 key): a token or a detached signature made
    // with the key's other algorithm is AlgorithmNotAllowed; without -Algorithm the pinned one is checked, and fails;
    // what the pinned algorithm made verifies.
    [Theory]
    [InlineData("PS256", "RSASSA_PSS_SHA_256", "RS256", "RSASSA_PKCS1_V1_5_SHA_256")]
    [InlineData("RS256", "RSASSA_PKCS1_V1_5_SHA_256", "PS256", "RSASSA_PSS_SHA_256")]
    [InlineData("PS384", "RSASSA_PSS_SHA_384", "PS512", "RSASSA_PSS_SHA_512")]
    public async Task A_jwk_pinned_to_one_RSA_algorithm_refuses_what_the_key_signed_with_another(string pinned, string pinnedKms, string jwtAlgorithm, string algorithm)
    {
        var arn = await fixture.KeyAsync("RSA_2048");
        var dir = Directory.CreateDirectory(Path.Combine(directory, $"pinned-{pinned}-{jwtAlgorithm}")).FullName;
        var small = WriteFile(dir, "small.bin", 1000);
        using var session = fixture.NewSession();

        var cells = session.Run("""
            $jwt = (New-KmsSignedJwt -KeyId $k -Algorithm $j -Subject matrix @kmsSigner).Token
            $smallSig = New-KmsSignature -LiteralPath $small -KeyId $k -Algorithm $a @kmsSigner
            $message = [byte[]](1..200)
            $messageSig = New-KmsSignature -Message $message -KeyId $k -Algorithm $a @kmsSigner
            $pinnedMessageSig = New-KmsSignature -Message $message -KeyId $k -Algorithm $pk @kmsSigner
            $pinnedJwt = (New-KmsSignedJwt -KeyId $k -Algorithm $p -Subject matrix @kmsSigner).Token
            $pinnedJwk = Export-KmsPublicKeyPem -KeyId $k -Format Jwk -Algorithm $p @kmsVerifier
            Export-KmsPublicKeyPem -KeyId $k -Format Jwks -Algorithm $p -Path "$d/pinned.jwks" @kmsVerifier
            $pinnedObject = Export-KmsPublicKeyPem -KeyId $k -Algorithm $p @kmsVerifier
            foreach ($src in @(@{ PublicKey = $pinnedJwk }, @{ TrustStore = "$d/pinned.jwks" }, @{ PublicKey = $pinnedObject })) {
                (Test-KmsSignature -Token $jwt @src).Status
                (Test-KmsSignature -LiteralPath $small -Algorithm $a @src).Status
                ($smallSig | Test-KmsSignature @src).Status
                (Test-KmsSignature -LiteralPath $small @src).Status
                (Test-KmsSignature -Message $message -Signature $messageSig.Signature -Algorithm $a @src).Status
                (Test-KmsSignature -Message $message -Signature $messageSig.Signature @src).Status
                (Test-KmsSignature -Token $pinnedJwt @src).Status
                (Test-KmsSignature -Message $message -Signature $pinnedMessageSig.Signature @src).Status
            }
            """, new Dictionary<string, object?> { ["k"] = arn, ["p"] = pinned, ["pk"] = pinnedKms, ["a"] = algorithm, ["j"] = jwtAlgorithm, ["d"] = dir, ["small"] = small })
            .AssertSuccess().Output.Select(o => o.ToString()).ToArray();

        string[] once = ["AlgorithmNotAllowed", "AlgorithmNotAllowed", "AlgorithmNotAllowed", "InvalidSignature", "AlgorithmNotAllowed", "InvalidSignature", "Valid", "Valid"];
        Assert.Equal([.. once, .. once, .. once], cells);
    }

    // Get-KmsSigningKey's object names a key but holds no public key: -PublicKey refuses it with the documented error,
    // and its KeyId given to -KeyId verifies.
    [Fact]
    public async Task A_signing_key_object_is_refused_as_a_public_key_and_verifies_through_its_KeyId()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var session = fixture.NewSession();

        var result = session.Run("""
            $jwt = (New-KmsSignedJwt -KeyId $k -Subject matrix @kmsSigner).Token
            $signingKey = Get-KmsSigningKey -KeyId $k @kmsVerifier
            (Test-KmsSignature -Token $jwt -KeyId $signingKey.KeyId @kmsVerifier).Status
            try { Test-KmsSignature -Token $jwt -PublicKey $signingKey } catch { $_ }
            """, new Dictionary<string, object?> { ["k"] = arn }).AssertSuccess();

        Assert.Equal("Valid", result.Output[0].ToString());
        var error = Assert.IsType<System.Management.Automation.ErrorRecord>(result.Output[1].BaseObject);
        Assert.Equal("KmsSignature.InvalidPublicKey", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(System.Management.Automation.ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal(2, result.Output.Count);
    }

    private static string WriteFile(string dir, string name, int length)
    {
        var path = Path.Combine(dir, name);
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    // A copy of the file with one bit of one byte flipped; the signature stays that of the original.
    private static string Tampered(string path)
    {
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x01;
        var copy = path + ".tampered";
        File.WriteAllBytes(copy, bytes);
        return copy;
    }

    // The token with one byte of its claims changed ("matrix" becomes "matriy"), re-encoded: still well-formed, no longer signed.
    private static string FlipPayloadByte(string token)
    {
        var parts = token.Split('.');
        var claims = Encoding.UTF8.GetString(TokenParts.Base64UrlDecode(parts[1]));
        Assert.Contains("\"matrix\"", claims, StringComparison.Ordinal);
        parts[1] = Convert.ToBase64String(Encoding.UTF8.GetBytes(claims.Replace("\"matrix\"", "\"matriy\"", StringComparison.Ordinal)))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return string.Join('.', parts);
    }
}
