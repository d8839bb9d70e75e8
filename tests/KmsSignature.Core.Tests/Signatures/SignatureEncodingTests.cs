using KmsSignature.Core.Signatures;

namespace KmsSignature.Core.Tests.Signatures;

/// <summary>
/// Signature files: binary, base64 (wrapped, as openssl base64 writes it) and base64url are told apart; text may be
/// UTF-8, UTF-16 or UTF-32 with a byte order mark, as PowerShell writes it.
/// </summary>
public sealed class SignatureEncodingTests
{
    [Theory]
    [InlineData("files/message.txt.p256.der.b64", "files/message.txt.p256.der.sig")]
    [InlineData("files/message.txt.rsa2048.pkcs1-sha256.b64", "files/message.txt.rsa2048.pkcs1-sha256.sig")]
    [InlineData("files/message.txt.p384.der.b64u", "files/message.txt.p384.der.sig")]
    [InlineData("interop/message.txt.rsa2048.pkcs1-sha256.utf16le-bom.b64", "files/message.txt.rsa2048.pkcs1-sha256.sig")] // Out-File, Windows PowerShell
    [InlineData("interop/message.txt.rsa2048.pkcs1-sha256.utf16be-bom.b64", "files/message.txt.rsa2048.pkcs1-sha256.sig")]
    [InlineData("interop/message.txt.rsa2048.pkcs1-sha256.utf8-bom.b64", "files/message.txt.rsa2048.pkcs1-sha256.sig")] // Set-Content -Encoding UTF8
    [InlineData("interop/message.txt.rsa2048.pkcs1-sha256.utf32le-bom.b64", "files/message.txt.rsa2048.pkcs1-sha256.sig")] // Set-Content -Encoding UTF32
    [InlineData("interop/message.txt.rsa2048.pkcs1-sha256.utf32be-bom.b64", "files/message.txt.rsa2048.pkcs1-sha256.sig")] // -Encoding BigEndianUTF32
    public void Text_signatures_decode_to_the_binary_one(string text, string binary)
    {
        Assert.Equal(Fixtures.Bytes(binary), SignatureEncoding.Decode(Fixtures.Bytes(text), out var wasText));
        Assert.True(wasText);
    }

    [Theory]
    [InlineData("files/message.txt.p256.der.sig")]
    [InlineData("files/message.txt.rsa2048.pss-sha256.sig")]
    [InlineData("files/message.txt.ed25519.sig")]
    [InlineData("files/message.txt.mldsa87.sig")]
    public void Binary_signatures_are_kept_as_they_are(string binary)
    {
        Assert.Equal(Fixtures.Bytes(binary), SignatureEncoding.Decode(Fixtures.Bytes(binary), out var wasText));
        Assert.False(wasText);
    }

    // A byte order mark makes text only when what follows is base64 text in that encoding.
    [Theory]
    [InlineData(new byte[] { 0xEF, 0xBB, 0xBF, 0x00, 0x41, 0x41, 0x41 })]
    [InlineData(new byte[] { 0xFF, 0xFE, 0x41, 0x00, 0x41, 0x01, 0x41, 0x00, 0x41, 0x00 })]
    [InlineData(new byte[] { 0xFE, 0xFF, 0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00 })]
    [InlineData(new byte[] { 0xFF, 0xFE, 0x41, 0x00, 0x2A, 0x00, 0x41, 0x00, 0x41, 0x00 })]
    [InlineData(new byte[] { 0xFF, 0xFE, 0x00, 0x00, 0x41, 0x00, 0x00, 0x00, 0x41, 0x00, 0x01, 0x00 })]
    [InlineData(new byte[] { 0x00, 0x00, 0xFE, 0xFF, 0x00, 0x00, 0x00, 0x41, 0x00, 0x00, 0x00 })]
    public void A_byte_order_mark_before_what_is_not_base64_text_is_binary(byte[] binary)
    {
        Assert.Equal(binary, SignatureEncoding.Decode(binary, out var wasText));
        Assert.False(wasText);
    }
}
