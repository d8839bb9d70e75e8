using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using KmsSignature.Core.Jose;
using KmsSignature.Core.Keys;
using KmsSignature.Core.Verification;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using BcEd25519 = Org.BouncyCastle.Math.EC.Rfc8032.Ed25519;

namespace KmsSignature.Core.Tests.Verification;

/// <summary>
/// Attacks on the offline verifier that are signed with a trusted key or dressed to look so: header members the
/// verifier does not act on, second spellings of one signature, scalars out of range. None may verify as something else.
/// </summary>
public sealed class AdversarialTokenTests : IDisposable
{
    private readonly ECDsa p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa p521 = ECDsa.Create(ECCurve.NamedCurves.nistP521);
    private readonly ECDsa attacker = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly RSA rsa = RSA.Create(2048);

    public void Dispose()
    {
        p256.Dispose();
        p521.Dispose();
        attacker.Dispose();
        rsa.Dispose();
    }

    private static string B64(string text) => Base64Url.Encode(Encoding.UTF8.GetBytes(text));

    private static string Es(ECDsa key, string header, string payload, HashAlgorithmName hash)
    {
        var input = B64(header) + "." + B64(payload);
        return input + "." + Base64Url.Encode(key.SignData(Encoding.ASCII.GetBytes(input), hash));
    }

    private string Es256(string header, string payload = """{"sub":"s"}""") => Es(p256, header, payload, HashAlgorithmName.SHA256);

    private TokenVerifier P256Verifier(TokenValidationOptions? options = null) =>
        new(TrustStore.FromKeys([PublicKeys.Of(p256).WithMetadata("k1")]), options);

    [Fact]
    public void An_escaped_second_alg_is_a_second_alg()
    {
        var result = P256Verifier().Verify(Es256("""{"alg":"ES256","kid":"k1","\u0061lg":"none"}"""));

        Assert.Equal(VerificationStatus.Malformed, result.Status);
        Assert.Contains("two alg", result.Reason);
    }

    [Fact]
    public void An_escaped_alg_value_is_the_same_alg()
    {
        var result = P256Verifier().Verify(Es256("""{"alg":"ES\u0032\u0035\u0036","kid":"k1"}"""));

        Assert.True(result.IsValid, result.Reason);
        Assert.Equal("ES256", result.Algorithm);
    }

    [Theory]
    [InlineData("""{"alg":"ES256","kid":"k1","crit":[]}""")]
    [InlineData("""{"alg":"ES256","kid":"k1","crit":["b64"],"b64":false}""")]
    [InlineData("""{"alg":"ES256","kid":"k1","crit":["exp"],"exp":1}""")]
    [InlineData("""{"alg":"ES256","kid":"k1","cr\u0069t":["x"]}""")]
    public void Crit_of_any_shape_is_unsupported(string header) =>
        Assert.Equal(VerificationStatus.UnsupportedCriticalHeader, P256Verifier().Verify(Es256(header)).Status);

    [Fact]
    public void An_embedded_jwk_never_supplies_the_key()
    {
        var jwk = PublicKeys.Of(attacker).ToJwk();
        var forged = Es(attacker, $$"""{"alg":"ES256","kid":"k1","jwk":{{jwk}}}""", """{"sub":"s"}""", HashAlgorithmName.SHA256);
        var withoutKid = Es(attacker, $$"""{"alg":"ES256","jwk":{{jwk}},"jku":"https://x/jwks","x5u":"https://x/c","x5c":["AA=="]}""", """{"sub":"s"}""", HashAlgorithmName.SHA256);

        Assert.Equal(VerificationStatus.InvalidSignature, P256Verifier().Verify(forged).Status);
        Assert.Equal(VerificationStatus.InvalidSignature, P256Verifier().Verify(withoutKid).Status);
    }

    [Theory]
    [InlineData("""{"alg":"ES256","kid":""}""", VerificationStatus.UntrustedKey)]
    [InlineData("""{"alg":"ES256","kid":"../../k1"}""", VerificationStatus.UntrustedKey)]
    [InlineData("""{"alg":"ES256","kid":"K1"}""", VerificationStatus.UntrustedKey)]
    [InlineData("""{"alg":"ES256","kid":"k1\u0000"}""", VerificationStatus.UntrustedKey)]
    [InlineData("""{"alg":"ES256","kid":1}""", VerificationStatus.Malformed)]
    [InlineData("""{"alg":"ES256","kid":["k1"]}""", VerificationStatus.Malformed)]
    [InlineData("""{"alg":"ES256","kid":null}""", VerificationStatus.Malformed)]
    [InlineData("""{"alg":"ES256","kid":"k1","\u006bid":"k2"}""", VerificationStatus.Malformed)]
    public void Odd_kids_name_no_key_or_are_malformed(string header, VerificationStatus expected) =>
        Assert.Equal(expected, P256Verifier().Verify(Es256(header)).Status);

    [Fact]
    public void A_very_long_kid_names_no_key()
    {
        var result = P256Verifier().Verify(Es256($$"""{"alg":"ES256","kid":"{{new string('k', 5000)}}"}"""));

        Assert.Equal(VerificationStatus.UntrustedKey, result.Status);
    }

    // An object's members were read as the header's own (its kid, alg, crit), and a scalar typ as no typ.
    [Theory]
    [InlineData("""{"alg":"ES256","kid":"k1","typ":{"kid":"k2"}}""")]
    [InlineData("""{"alg":"ES256","kid":"k1","typ":{}}""")]
    [InlineData("""{"alg":"ES256","kid":"k1","typ":["JWT"]}""")]
    [InlineData("""{"alg":"ES256","kid":"k1","typ":5}""")]
    [InlineData("""{"alg":"ES256","kid":"k1","typ":null}""")]
    [InlineData("""{"alg":"ES256","kid":"k1","typ":true}""")]
    public void A_typ_that_is_no_string_is_malformed(string header)
    {
        var result = P256Verifier().Verify(Es256(header));

        Assert.Equal(VerificationStatus.Malformed, result.Status);
        Assert.Equal("the JWS header's typ is not a string", result.Reason);
    }

    // Reasons are printed and logged: a value from an unsigned header must not move the cursor, clear the line or start a
    // new log line that reads "Valid". Control and bidirectional characters are shown as \uXXXX escapes.
    [Theory]
    [InlineData("""{"alg":"ES256","kid":"x\u001b[2K\rValid: ES256 signature verifies"}""", "\\u001B[2K\\u000DValid")]
    [InlineData("""{"alg":"ES256","kid":"x\nValid: ES256 signature verifies"}""", "x\\u000AValid")]
    [InlineData("""{"alg":"ES256","kid":"\u202egifnoc"}""", "\\u202Egifnoc")]
    [InlineData("""{"alg":"XS256\u0085\u2028"}""", "XS256\\u0085\\u2028")]
    [InlineData("""{"alg":"HS256\u0007"}""", "HS256\\u0007")]
    public void Header_values_in_a_reason_are_shown_with_control_characters_escaped(string header, string shown)
    {
        var result = P256Verifier().Verify(B64(header) + "." + B64("{}") + ".AAAA");

        static bool Unprintable(char c) => char.IsControl(c) || c is '\u2028' or '\u2029' or (>= '\u202A' and <= '\u202E');
        Assert.DoesNotContain(result.Reason, Unprintable);
        Assert.DoesNotContain(result.Algorithm!, Unprintable); // a column of the table view
        Assert.Contains(shown, result.Reason);
    }

    [Fact]
    public void Claim_values_in_a_reason_are_shown_with_control_characters_escaped()
    {
        var verifier = P256Verifier(new TokenValidationOptions { Issuers = ["https://issuer"], Audiences = ["api"] });

        var iss = verifier.Verify(Es256("""{"alg":"ES256","kid":"k1"}""", """{"iss":"evil\r\nValid"}"""));
        var aud = verifier.Verify(Es256("""{"alg":"ES256","kid":"k1"}""", """{"iss":"https://issuer","aud":["a\u001b[1A","b"]}"""));

        Assert.Equal(VerificationStatus.ClaimMismatch, iss.Status);
        Assert.Contains("'evil\\u000D\\u000AValid'", iss.Reason);
        Assert.Equal(VerificationStatus.ClaimMismatch, aud.Status);
        Assert.Contains("'a\\u001B[1A', 'b'", aud.Reason);
    }

    [Fact]
    public void A_very_long_kid_is_cut_in_its_reason()
    {
        var result = P256Verifier().Verify(Es256($$"""{"alg":"ES256","kid":"{{new string('k', 5000)}}"}"""));

        Assert.Equal(VerificationStatus.UntrustedKey, result.Status);
        Assert.Contains(new string('k', 200) + "... (5000 characters)", result.Reason);
        Assert.True(result.Reason.Length < 400, result.Reason);
    }

    [Fact]
    public void A_header_behind_a_byte_order_mark_is_malformed()
    {
        var header = Base64Url.Encode([0xEF, 0xBB, 0xBF, .. """{"alg":"ES256","kid":"k1"}"""u8]);
        var input = header + "." + B64("""{"sub":"s"}""");
        var token = input + "." + Base64Url.Encode(p256.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256));

        Assert.Equal(VerificationStatus.Malformed, P256Verifier().Verify(token).Status);
    }

    [Theory]
    [InlineData("""{"exp":true}""", VerificationStatus.Malformed)]
    [InlineData("""{"exp":null}""", VerificationStatus.Malformed)]
    [InlineData("""{"exp":"4000000000"}""", VerificationStatus.Malformed)]
    [InlineData("""{"exp":-1e400}""", VerificationStatus.Malformed)]
    [InlineData("""{"exp":-1}""", VerificationStatus.Expired)]
    [InlineData("""{"exp":1.5e9}""", VerificationStatus.Expired)]
    [InlineData("""{"exp":4e9}""", VerificationStatus.Valid)]
    [InlineData("""{"nbf":1e400}""", VerificationStatus.NotYetValid)]
    [InlineData("""{"aud":null}""", VerificationStatus.Malformed)]
    [InlineData("""{"aud":["a",1]}""", VerificationStatus.Malformed)]
    [InlineData("""{"aud":[["a"]]}""", VerificationStatus.Malformed)]
    [InlineData("""{"iss":null}""", VerificationStatus.Malformed)]
    [InlineData("""{"exp":4e9,"\u0065xp":1}""", VerificationStatus.Malformed)]
    [InlineData(""" {"exp":1}""", VerificationStatus.Expired)]
    public void Odd_claim_values_are_read_strictly(string payload, VerificationStatus expected) =>
        Assert.Equal(expected, P256Verifier().Verify(Es256("""{"alg":"ES256","kid":"k1"}""", payload)).Status);

    [Fact]
    public void An_empty_aud_array_meets_no_expected_audience()
    {
        var verifier = P256Verifier(new TokenValidationOptions { Audiences = ["api"] });

        Assert.Equal(VerificationStatus.ClaimMismatch, verifier.Verify(Es256("""{"alg":"ES256","kid":"k1"}""", """{"aud":[]}""")).Status);
    }

    [Fact]
    public void A_signature_spelled_with_unused_bits_set_is_malformed()
    {
        var token = Es256("""{"alg":"ES256","kid":"k1"}""");
        var last = token[^1];
        // 64 bytes take 86 chars: the last char carries 2 bits, its low 4 are unused.
        var alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        var twin = token[..^1] + alphabet[alphabet.IndexOf(last) | 1];

        Assert.True(P256Verifier().Verify(token).IsValid);
        Assert.Equal(VerificationStatus.Malformed, P256Verifier().Verify(twin).Status);
    }

    [Fact]
    public void A_line_break_inside_a_token_is_malformed()
    {
        var token = Es256("""{"alg":"ES256","kid":"k1"}""");
        var parts = token.Split('.');

        Assert.Equal(VerificationStatus.Malformed, P256Verifier().Verify($"{parts[0]}.{parts[1]}.{parts[2][..40]}\n{parts[2][40..]}").Status);
    }

    [Fact]
    public void Zero_r_or_s_is_invalid()
    {
        var token = Es256("""{"alg":"ES256","kid":"k1"}""");
        var cut = token.LastIndexOf('.') + 1;
        var signature = Base64Url.Decode(token.AsSpan(cut));
        byte[] zeroR = [.. new byte[32], .. signature[32..]];
        byte[] zeroS = [.. signature[..32], .. new byte[32]];

        Assert.Equal(VerificationStatus.InvalidSignature, P256Verifier().Verify(token[..cut] + Base64Url.Encode(zeroR)).Status);
        Assert.Equal(VerificationStatus.InvalidSignature, P256Verifier().Verify(token[..cut] + Base64Url.Encode(zeroS)).Status);
        Assert.Equal(VerificationStatus.InvalidSignature, P256Verifier().Verify(token[..cut] + Base64Url.Encode(new byte[64])).Status);
    }

    // P-521's 66-byte halves hold r + n and s + n: a verifier that reduced them mod n would take a second signature.
    [Fact]
    public void P521_r_or_s_plus_the_group_order_is_invalid()
    {
        var n = BigInteger.Parse("01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409", System.Globalization.NumberStyles.HexNumber);
        var store = TrustStore.FromKeys([PublicKeys.Of(p521)]);
        var token = Es(p521, """{"alg":"ES512"}""", """{"sub":"s"}""", HashAlgorithmName.SHA512);
        var cut = token.LastIndexOf('.') + 1;
        var signature = Base64Url.Decode(token.AsSpan(cut));
        var r = new BigInteger(signature.AsSpan(0, 66), isUnsigned: true, isBigEndian: true);
        var s = new BigInteger(signature.AsSpan(66), isUnsigned: true, isBigEndian: true);
        byte[] Half(BigInteger value)
        {
            var bytes = value.ToByteArray(isUnsigned: true, isBigEndian: true);
            return [.. new byte[66 - bytes.Length], .. bytes];
        }

        var verifier = new TokenVerifier(store);
        Assert.True(verifier.Verify(token).IsValid);
        Assert.Equal(VerificationStatus.InvalidSignature, verifier.Verify(token[..cut] + Base64Url.Encode([.. Half(r + n), .. Half(s)])).Status);
        Assert.Equal(VerificationStatus.InvalidSignature, verifier.Verify(token[..cut] + Base64Url.Encode([.. Half(r), .. Half(s + n)])).Status);
    }

    [Fact]
    public void An_rsa_signature_without_its_leading_zero_byte_is_invalid()
    {
        var store = TrustStore.FromKeys([PublicKeys.Of(rsa)]);
        var verifier = new TokenVerifier(store);
        // One signature in 256 starts with a zero byte.
        for (var i = 0; i < 100_000; i++)
        {
            var input = B64("""{"alg":"RS256"}""") + "." + B64($$"""{"n":{{i}}}""");
            var signature = rsa.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            if (signature[0] != 0)
            {
                continue;
            }

            Assert.True(verifier.Verify(input + "." + Base64Url.Encode(signature)).IsValid);
            Assert.Equal(VerificationStatus.InvalidSignature, verifier.Verify(input + "." + Base64Url.Encode(signature[1..])).Status);
            Assert.Equal(VerificationStatus.InvalidSignature, verifier.Verify(input + "." + Base64Url.Encode([0, .. signature])).Status);
            return;
        }

        Assert.Fail("no signature started with a zero byte");
    }

    // RFC 8032 §5.1.7 does not forbid a small-order A, but with one, (R = a small-order point, S = 0) satisfies the
    // verification equation for about one message in eight: such a "key" would verify forgeries. Refused when read,
    // with non-canonical encodings (y >= p) of the neutral point.
    [Theory]
    [InlineData("0100000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000080")]
    [InlineData("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a")]
    [InlineData("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa")]
    [InlineData("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05")]
    [InlineData("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85")]
    [InlineData("0100000000000000000000000000000000000000000000000000000000000080")]
    [InlineData("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")]
    public void An_ed25519_key_of_small_order_is_refused(string hex)
    {
        var jwk = $$"""{"kty":"OKP","crv":"Ed25519","x":"{{Base64Url.Encode(Convert.FromHexString(hex))}}"}""";

        var error = Assert.Throws<KmsSignatureException>(() => PublicKey.FromJwk(jwk));
        Assert.Equal("KmsSignature.InvalidPublicKey", error.ErrorId);
    }

    [Fact]
    public void An_overlong_utf8_header_is_malformed()
    {
        byte[] header = [.. """{"alg":"ES256","kid":"k1","x":"""u8, 0xC0, 0xAF, .. "\"}"u8];
        var input = Base64Url.Encode(header) + "." + B64("""{"sub":"s"}""");
        var token = input + "." + Base64Url.Encode(p256.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256));

        Assert.Equal(VerificationStatus.Malformed, P256Verifier().Verify(token).Status);
    }

    // RFC 8017 §5.2.2: a signature representative outside [0, n-1] is an error, never a crash or a reduced value.
    [Theory]
    [InlineData("RS256")]
    [InlineData("PS256")]
    public void An_rsa_signature_of_the_modulus_or_beyond_is_invalid(string alg)
    {
        var verifier = new TokenVerifier(TrustStore.FromKeys([PublicKeys.Of(rsa)]));
        var input = B64($$"""{"alg":"{{alg}}"}""") + "." + B64("{}");

        Assert.Equal(VerificationStatus.InvalidSignature, verifier.Verify(input + "." + Base64Url.Encode(rsa.ExportParameters(false).Modulus!)).Status);
        Assert.Equal(VerificationStatus.InvalidSignature, verifier.Verify(input + "." + Base64Url.Encode(Enumerable.Repeat((byte)0xFF, 256).ToArray())).Status);
        Assert.Equal(VerificationStatus.InvalidSignature, verifier.Verify(input + "." + Base64Url.Encode(new byte[256])).Status);
    }

    // RFC 7518 §3.5: the PSS salt is as long as the hash; a signature with another salt length is not a PS256 signature.
    [Theory]
    [InlineData(0)]
    [InlineData(20)]
    [InlineData(64)]
    public void A_ps256_signature_with_another_salt_length_is_invalid(int saltLength)
    {
        var verifier = new TokenVerifier(TrustStore.FromKeys([PublicKeys.Of(rsa)]));
        var input = B64("""{"alg":"PS256"}""") + "." + B64("{}");
        var signer = new Org.BouncyCastle.Crypto.Signers.PssSigner(new Org.BouncyCastle.Crypto.Engines.RsaBlindedEngine(),
            new Org.BouncyCastle.Crypto.Digests.Sha256Digest(), saltLength);
        signer.Init(true, DotNetUtilities.GetRsaKeyPair(rsa).Private);
        var data = Encoding.ASCII.GetBytes(input);
        signer.BlockUpdate(data, 0, data.Length);

        Assert.Equal(VerificationStatus.InvalidSignature, verifier.Verify(input + "." + Base64Url.Encode(signer.GenerateSignature())).Status);
    }

    // RFC 7518 §3.4 does not ask for low s, and KMS does not normalize it: (r, n - s) verifies as (r, s) does. Accepted, as
    // every JOSE library does; the documentation says a token's text is not its identity.
    [Fact]
    public void An_ecdsa_signature_with_s_negated_also_verifies()
    {
        var n = BigInteger.Parse("0FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", System.Globalization.NumberStyles.HexNumber);
        var token = Es256("""{"alg":"ES256","kid":"k1"}""");
        var cut = token.LastIndexOf('.') + 1;
        var signature = Base64Url.Decode(token.AsSpan(cut));
        var negated = (n - new BigInteger(signature.AsSpan(32), isUnsigned: true, isBigEndian: true)).ToByteArray(isUnsigned: true, isBigEndian: true);
        var twin = token[..cut] + Base64Url.Encode([.. signature[..32], .. new byte[32 - negated.Length], .. negated]);

        Assert.NotEqual(token, twin);
        Assert.True(P256Verifier().Verify(twin).IsValid);
    }

    [Theory]
    [InlineData("\\u0064")]
    [InlineData("\\u0070")]
    public void A_private_member_with_an_escaped_name_is_refused(string name)
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var parameters = ec.ExportParameters(true);
        var jwk = $$"""{"kty":"EC","crv":"P-256","x":"{{Base64Url.Encode(parameters.Q.X!)}}","y":"{{Base64Url.Encode(parameters.Q.Y!)}}","{{name}}":"{{Base64Url.Encode(parameters.D!)}}"}""";

        var error = Assert.Throws<KmsSignatureException>(() => PublicKey.FromJwk(jwk));
        Assert.DoesNotContain(Base64Url.Encode(parameters.D!), error.Message);
    }

    [Fact]
    public void Ed25519_with_s_not_reduced_is_invalid()
    {
        var ed = new Ed25519PrivateKeyParameters(new SecureRandom());
        var key = PublicKeys.Of(ed);
        var verifier = new TokenVerifier(TrustStore.FromKeys([key]));
        var input = B64("""{"alg":"Ed25519"}""") + "." + B64("""{"sub":"s"}""");
        var data = Encoding.ASCII.GetBytes(input);
        var signature = new byte[BcEd25519.SignatureSize];
        ed.Sign(BcEd25519.Algorithm.Ed25519, null, data, 0, data.Length, signature, 0);
        var l = BigInteger.Parse("1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed", System.Globalization.NumberStyles.HexNumber);
        var s = new BigInteger(signature.AsSpan(32), isUnsigned: true, isBigEndian: false) + l;
        var sBytes = s.ToByteArray(isUnsigned: true, isBigEndian: false);
        byte[] twin = [.. signature[..32], .. sBytes, .. new byte[32 - sBytes.Length]];

        Assert.True(verifier.Verify(input + "." + Base64Url.Encode(signature)).IsValid);
        Assert.Equal(VerificationStatus.InvalidSignature, verifier.Verify(input + "." + Base64Url.Encode(twin)).Status);
    }
}
