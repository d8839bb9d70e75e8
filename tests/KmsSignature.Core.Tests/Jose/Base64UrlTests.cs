using KmsSignature.Core.Jose;

namespace KmsSignature.Core.Tests.Jose;

/// <summary>Strict base64url (RFC 7515 §2): one spelling per value, no padding, no whitespace, no other alphabet.</summary>
public sealed class Base64UrlTests
{
    [Theory]
    [InlineData(new byte[0], "")]
    [InlineData(new byte[] { 0xFB }, "-w")]
    [InlineData(new byte[] { 0xFB, 0xFF }, "-_8")]
    [InlineData(new byte[] { 0xFB, 0xFF, 0xBF }, "-_-_")]
    [InlineData(new byte[] { 3, 236, 255, 224, 193 }, "A-z_4ME")] // RFC 7515 Appendix C
    public void Encodes_and_decodes_known_values(byte[] data, string text)
    {
        Assert.Equal(text, Base64Url.Encode(data));
        Assert.Equal(data, Base64Url.Decode(text));
    }

    [Fact]
    public void Round_trips_every_length_up_to_600()
    {
        var random = new Random(7);
        for (var length = 0; length < 600; length++)
        {
            var data = new byte[length];
            random.NextBytes(data);
            Assert.Equal(data, Base64Url.Decode(Base64Url.Encode(data)));
        }
    }

    [Theory]
    [InlineData("A-z_4ME=")]
    [InlineData("A+z/4ME")]
    [InlineData("A-z_ 4ME")]
    [InlineData("A-z_4ME\n")]
    [InlineData("A")]
    [InlineData("A-z_4")]
    [InlineData("-x")]   // non-zero unused bits: a second spelling of "-w"
    [InlineData("-_9")]  // same for two bytes
    [InlineData("é")]
    public void Rejects_non_canonical_input(string text)
    {
        Assert.Throws<FormatException>(() => Base64Url.Decode(text));
        Assert.False(Base64Url.TryDecodeRented(text, out _, out _));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    [InlineData(4, 3)]
    [InlineData(1, -1)]
    [InlineData(5, -1)]
    public void Decoded_length_is_exact(int encoded, int decoded) => Assert.Equal(decoded, Base64Url.DecodedLength(encoded));
}
