using KmsSignature.Core.Signatures;

namespace KmsSignature.Core.Tests.Signatures;

/// <summary>Signature files: binary, base64 (wrapped, as openssl base64 writes it) and base64url are told apart.</summary>
public sealed class SignatureEncodingTests
{
    [Theory]
    [InlineData("files/message.txt.p256.der.b64", "files/message.txt.p256.der.sig")]
    [InlineData("files/message.txt.rsa2048.pkcs1-sha256.b64", "files/message.txt.rsa2048.pkcs1-sha256.sig")]
    [InlineData("files/message.txt.p384.der.b64u", "files/message.txt.p384.der.sig")]
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
}
