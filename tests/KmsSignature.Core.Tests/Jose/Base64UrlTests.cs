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
    public void Encodes_and_decodes_every_length_up_to_600_as_the_platforms_base64_does()
    {
        var random = new Random(7);
        for (var length = 0; length < 600; length++)
        {
            var data = new byte[length];
            random.NextBytes(data);
            var expected = PlatformBase64Url(data);
            Assert.Equal(expected, Base64Url.Encode(data));
            Assert.Equal(data, Base64Url.Decode(expected));
        }
    }

    // RFC 7515 §2 from the platform's base64: the reference the codec under test is held to.
    private static string PlatformBase64Url(byte[] data) => Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');

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

    // Long inputs take the SIMD path, short ones the table loop: both must accept and refuse exactly the same text.
    [Fact]
    public void Vectorized_and_scalar_paths_agree_on_valid_and_invalid_input()
    {
        var random = new Random(7515);
        // U+012D narrows to '-' if a decoder only looked at the low byte.
        var bad = new[] { '=', ' ', '+', '/', '\n', '\t', '.', 'é', '\0', '\u012D' };
        for (var length = 40; length < 700; length += 7)
        {
            var data = new byte[length];
            random.NextBytes(data);
            var text = PlatformBase64Url(data);
            Assert.Equal(data, Decode(text, vectorized: true));
            Assert.Equal(data, Decode(text, vectorized: false));
            Assert.Equal(data, Base64Url.Decode(text));

            foreach (var c in bad)
            {
                var chars = text.ToCharArray();
                chars[random.Next(chars.Length)] = c;
                var broken = new string(chars);
                Assert.Null(Decode(broken, vectorized: true));
                Assert.Null(Decode(broken, vectorized: false));
                Assert.Throws<FormatException>(() => Base64Url.Decode(broken));
            }

            if (text.Length % 4 != 0)
            {
                // Set an unused low bit of the last char: a second spelling of the same bytes.
                var second = text[..^1] + Alphabet[Alphabet.IndexOf(text[^1]) | 0x01];
                Assert.Null(Decode(second, vectorized: true));
                Assert.Null(Decode(second, vectorized: false));
            }
        }
    }

    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    private static byte[]? Decode(string text, bool vectorized)
    {
        var length = Base64Url.DecodedLength(text.Length);
        var buffer = new byte[Math.Max(length, 0)];
        var ok = vectorized
            ? Base64Url.TryDecodeVectorized(text, buffer, out var written)
            : Base64Url.TryDecodeScalar(text, buffer, out written);
        return ok && written == length ? buffer : null;
    }
}
