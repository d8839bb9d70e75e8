using KmsSignature.Core.Algorithms;
using KmsSignature.Core.Keys;

namespace KmsSignature.Core.Tests.Keys;

/// <summary>Every KMS signing key spec parses from PEM, DER and JWK (files made by openssl and node) to the same key.</summary>
public sealed class PublicKeyParsingTests
{
    public static TheoryData<string, KmsKeySpec> Specs() => new()
    {
        { "rsa2048", KmsKeySpec.Rsa2048 }, { "rsa3072", KmsKeySpec.Rsa3072 }, { "rsa4096", KmsKeySpec.Rsa4096 },
        { "p256", KmsKeySpec.EccNistP256 }, { "p384", KmsKeySpec.EccNistP384 }, { "p521", KmsKeySpec.EccNistP521 },
        { "secp256k1", KmsKeySpec.EccSecgP256K1 }, { "ed25519", KmsKeySpec.EccNistEdwards25519 },
        { "mldsa44", KmsKeySpec.MlDsa44 }, { "mldsa65", KmsKeySpec.MlDsa65 }, { "mldsa87", KmsKeySpec.MlDsa87 },
    };

    [Theory]
    [MemberData(nameof(Specs))]
    public void Pem_der_and_jwk_give_the_same_key_of_the_right_spec(string name, KmsKeySpec spec)
    {
        var pem = PublicKey.FromPem(Fixtures.Text($"keys/{name}.pem"));
        var der = PublicKey.FromSpki(Fixtures.Bytes($"keys/{name}.der"));
        var jwk = PublicKey.FromJwk(Fixtures.Text($"keys/{name}.jwk.json"));

        Assert.Equal(spec, pem.KeySpec);
        Assert.Equal(pem, der);
        Assert.Equal(pem, jwk);
        Assert.Equal(name, jwk.KeyId);
        Assert.Equal("sig", jwk.Use);
        Assert.Null(pem.KeyId);
    }

    [Theory]
    [MemberData(nameof(Specs))]
    public void Format_is_detected_from_the_bytes(string name, KmsKeySpec spec)
    {
        foreach (var file in new[] { $"keys/{name}.pem", $"keys/{name}.der", $"keys/{name}.jwk.json" })
        {
            Assert.Equal(spec, PublicKey.Parse(Fixtures.Bytes(file), file).KeySpec);
        }
    }

    [Fact]
    public void Jwks_gives_every_key_with_its_kid_and_alg()
    {
        var keys = PublicKey.LoadFile(Fixtures.PathOf("keys/jwks.json"));

        Assert.Equal(Fixtures.KeyNames.Order(), keys.Select(k => k.KeyId!).Order());
        Assert.Equal("ES256K", keys.Single(k => k.KeyId == "secp256k1").Algorithm);
        Assert.Equal("ML-DSA-65", keys.Single(k => k.KeyId == "mldsa65").Algorithm);
    }

    [Fact]
    public void Jwks_skips_key_types_it_does_not_understand()
    {
        var p256 = Fixtures.Text("keys/p256.jwk.json");
        var json = "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"X25519\",\"x\":\"hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo\"}," +
                   "{\"kty\":\"oct\",\"k\":\"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ\"}," + p256 + "]}";

        var key = Assert.Single(PublicKey.FromJwks(json));
        Assert.Equal("p256", key.KeyId);
    }

    [Fact]
    public void Pkcs1_rsa_public_key_pem_is_accepted()
    {
        var spki = Fixtures.Key("rsa2048");
        var reader = new System.Formats.Asn1.AsnReader(spki.ToDer(), System.Formats.Asn1.AsnEncodingRules.DER).ReadSequence();
        reader.ReadSequence();
        var pkcs1 = reader.ReadBitString(out _);
        var pem = new string(System.Security.Cryptography.PemEncoding.Write("RSA PUBLIC KEY", pkcs1));

        Assert.Equal(spki, PublicKey.FromPem(pem));
    }

    // openssl rsa -RSAPublicKey_out -outform DER (tests/fixtures/make-interop-fixtures.sh): two INTEGERs, which is
    // no private key (those have a version INTEGER and more), so it is read as the RSA public key it is.
    [Fact]
    public void Pkcs1_rsa_public_key_der_is_accepted_in_a_file_and_as_bytes()
    {
        var spki = Fixtures.Key("rsa2048");

        Assert.Equal(spki, Assert.Single(PublicKey.LoadFile(Fixtures.PathOf("interop/rsa2048.pkcs1.der"))));
        Assert.Equal(spki, PublicKey.Parse(Fixtures.Bytes("interop/rsa2048.pkcs1.der"), "bytes"));
    }

    [Fact]
    public void Pem_with_surrounding_text_and_crlf_parses()
    {
        var pem = "Key for the build server\r\n" + Fixtures.Text("keys/p256.pem").Replace("\n", "\r\n") + "\r\n";

        Assert.Equal(Fixtures.Key("p256"), PublicKey.Parse(System.Text.Encoding.UTF8.GetBytes(pem), "text"));
    }

    [Theory]
    [InlineData("keys/p256.pem", false)]
    [InlineData("keys/p256.pem", true)]
    [InlineData("keys/jwks.json", false)]
    [InlineData("keys/p256.jwk.json", true)]
    public void Utf16_key_text_with_a_byte_order_mark_parses(string file, bool bigEndian)
    {
        // What Windows PowerShell's Out-File and > write: UTF-16 (LE by default, BigEndianUnicode on request) with a BOM.
        var encoding = new System.Text.UnicodeEncoding(bigEndian, byteOrderMark: true);
        var text = Fixtures.Text(file).Replace("\n", "\r\n");
        var path = Path.Combine(Directory.CreateTempSubdirectory("kms-utf16-").FullName, Path.GetFileName(file));
        File.WriteAllBytes(path, [.. encoding.GetPreamble(), .. encoding.GetBytes(text)]);

        Assert.Equal(PublicKey.ParseAll(Fixtures.Bytes(file), "utf8"), PublicKey.LoadFile(path));
        Assert.Equal(PublicKey.ParseAll(Fixtures.Bytes(file), "utf8").Select(k => k.KeyId), PublicKey.LoadFile(path).Select(k => k.KeyId));
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
    }

    [Fact]
    public void Utf16_byte_order_mark_before_bytes_that_are_no_utf16_text_is_an_invalid_public_key()
    {
        var ex = Assert.Throws<KmsSignatureException>(() => PublicKey.ParseAll([0xFF, 0xFE, 0x00, 0xD8, 0x41], "key.pem"));

        Assert.Equal("KmsSignature.InvalidPublicKey", ex.ErrorId);
        Assert.Equal("key.pem", ex.Target);
    }

    // Export-KmsPublicKeyPem -Algorithm PS256 prints an object whose PEM has no alg and whose JWK pins PS256: the PEM key
    // keeps that pin (without a kid, as PEM text has none); an object without a pinning JWK gives the PEM key as it is.
    [Fact]
    public void A_key_object_gives_its_pem_key_with_the_alg_its_jwk_pins()
    {
        var pem = Fixtures.Text("keys/rsa2048.pem");
        var pinned = PublicKey.FromPem(pem).ToJwk("arn:aws:kms:us-east-1:111122223333:key/x", "PS256");

        var key = Assert.Single(PublicKey.FromKeyObject(pem, pinned, "-PublicKey"));
        Assert.Equal("PS256", key.Algorithm);
        Assert.Null(key.KeyId);

        Assert.Null(Assert.Single(PublicKey.FromKeyObject(pem, PublicKey.FromPem(pem).ToJwk("k"), "-PublicKey")).Algorithm);
        Assert.Null(Assert.Single(PublicKey.FromKeyObject(pem, null, "-PublicKey")).Algorithm);
        Assert.Equal("k", Assert.Single(PublicKey.FromKeyObject(null, PublicKey.FromPem(pem).ToJwk("k"), "-PublicKey")).KeyId);
    }

    // A JWK pin for another key (a hand-made object whose Pem and Jwk disagree) does not pin the PEM key.
    [Fact]
    public void A_key_object_jwk_of_another_key_pins_nothing()
    {
        var otherPinned = PublicKey.FromPem(Fixtures.Text("keys/rsa3072.pem")).ToJwk("k", "PS256");

        Assert.Null(Assert.Single(PublicKey.FromKeyObject(Fixtures.Text("keys/rsa2048.pem"), otherPinned, "-PublicKey")).Algorithm);
    }
}
