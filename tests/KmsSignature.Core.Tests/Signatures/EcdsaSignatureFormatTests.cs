using System.Security.Cryptography;
using KmsSignature.Core.Signatures;

namespace KmsSignature.Core.Tests.Signatures;

/// <summary>DER (openssl, KMS) to JWS R||S and back, strictly, for every curve size.</summary>
public sealed class EcdsaSignatureFormatTests
{
    [Theory]
    [InlineData("p256", 32, "files/message.txt.p256.der.sig")]
    [InlineData("p384", 48, "files/message.txt.p384.der.sig")]
    [InlineData("p521", 66, "files/message.txt.p521.der.sig")]
    public void Openssl_der_converts_to_rs_that_the_platform_verifies_and_back(string key, int scalar, string file)
    {
        var der = Fixtures.Bytes(file);
        var rs = EcdsaSignatureFormat.DerToP1363(der, scalar);
        using var ecdsa = ECDsa.Create();
        ecdsa.ImportSubjectPublicKeyInfo(Fixtures.Key(key).Spki.Span, out _);
        var hash = scalar switch { 32 => HashAlgorithmName.SHA256, 48 => HashAlgorithmName.SHA384, _ => HashAlgorithmName.SHA512 };

        Assert.Equal(2 * scalar, rs.Length);
        Assert.True(ecdsa.VerifyData(Fixtures.Bytes("files/message.txt"), rs, hash));
        Assert.Equal(der, EcdsaSignatureFormat.P1363ToDer(rs));
    }

    [Fact]
    public void Leading_zeros_are_padded_to_the_scalar_size()
    {
        var rs = new byte[64];
        rs[31] = 1; // r = 1
        rs[32] = 0x80; // s has its top bit set: DER needs a 0x00 prefix

        var der = EcdsaSignatureFormat.P1363ToDer(rs);

        Assert.Equal(rs, EcdsaSignatureFormat.DerToP1363(der, 32));
    }

    [Fact]
    public void Non_strict_der_is_refused()
    {
        var der = Fixtures.Bytes("files/message.txt.p256.der.sig");
        var buffer = new byte[64];

        Assert.False(EcdsaSignatureFormat.TryDerToP1363(der[..^2], 32, buffer));          // truncated
        Assert.False(EcdsaSignatureFormat.TryDerToP1363([.. der, 0], 32, buffer));        // trailing byte
        Assert.False(EcdsaSignatureFormat.TryDerToP1363(der, 16, new byte[32]));          // too large for the curve
        Assert.False(EcdsaSignatureFormat.TryDerToP1363([0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01], 32, buffer)); // r = 0
        Assert.False(EcdsaSignatureFormat.TryDerToP1363([0x30, 0x06, 0x02, 0x01, 0x81, 0x02, 0x01, 0x01], 32, buffer)); // negative r
        Assert.Throws<FormatException>(() => EcdsaSignatureFormat.P1363ToDer(new byte[63]));
    }
}
