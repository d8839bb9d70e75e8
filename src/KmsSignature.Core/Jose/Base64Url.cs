using System.Buffers;
using System.Buffers.Text;

namespace KmsSignature.Core.Jose;

/// <summary>
/// Strict base64url (RFC 7515 §2, RFC 4648 §5): no padding, no whitespace, only <c>A–Z a–z 0–9 - _</c>,
/// and no non-zero trailing bits, so every encoded value has exactly one spelling.
/// </summary>
public static class Base64Url
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    /// <summary>Encodes without padding.</summary>
    public static string Encode(ReadOnlySpan<byte> data)
    {
        var length = Base64.GetMaxEncodedToUtf8Length(data.Length);
        var buffer = length <= 512 ? stackalloc char[length] : new char[length];
        var written = 0;
        var i = 0;
        for (; i + 3 <= data.Length; i += 3)
        {
            var v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
            buffer[written++] = Alphabet[(v >> 18) & 63];
            buffer[written++] = Alphabet[(v >> 12) & 63];
            buffer[written++] = Alphabet[(v >> 6) & 63];
            buffer[written++] = Alphabet[v & 63];
        }

        var rest = data.Length - i;
        if (rest == 1)
        {
            var v = data[i] << 16;
            buffer[written++] = Alphabet[(v >> 18) & 63];
            buffer[written++] = Alphabet[(v >> 12) & 63];
        }
        else if (rest == 2)
        {
            var v = (data[i] << 16) | (data[i + 1] << 8);
            buffer[written++] = Alphabet[(v >> 18) & 63];
            buffer[written++] = Alphabet[(v >> 12) & 63];
            buffer[written++] = Alphabet[(v >> 6) & 63];
        }

        return new string(buffer[..written]);
    }

    /// <summary>The decoded length of <paramref name="encodedLength"/> characters, or -1 when no valid encoding has that length.</summary>
    public static int DecodedLength(int encodedLength) => (encodedLength % 4) switch
    {
        0 => encodedLength / 4 * 3,
        2 => encodedLength / 4 * 3 + 1,
        3 => encodedLength / 4 * 3 + 2,
        _ => -1,
    };

    /// <summary>Decodes strictly into <paramref name="destination"/>; false on any non-canonical input.</summary>
    public static bool TryDecode(ReadOnlySpan<char> encoded, Span<byte> destination, out int written)
    {
        written = 0;
        var expected = DecodedLength(encoded.Length);
        if (expected < 0 || destination.Length < expected)
        {
            return false;
        }

        return encoded.Length is >= VectorizedMinimum and <= VectorizedMaximum
            ? TryDecodeVectorized(encoded, destination, out written)
            : TryDecodeScalar(encoded, destination, out written);
    }

    // Payloads and RSA signatures (hundreds of chars, every token) go through the platform's SIMD base64
    // decoder, which is several times faster than the table loop; short inputs are faster in the loop.
    internal const int VectorizedMinimum = 64;
    internal const int VectorizedMaximum = 4096;

    private static readonly SearchValues<char> AlphabetChars = SearchValues.Create(Alphabet);

    // Both paths expect a length DecodedLength accepts and a destination that fits (TryDecode checks).
    [System.Runtime.CompilerServices.SkipLocalsInit] // the stack buffer is filled whole before it is read
    internal static bool TryDecodeVectorized(ReadOnlySpan<char> encoded, Span<byte> destination, out int written)
    {
        written = 0;
        // Strictness first, so the lenient standard decoder only ever sees canonical base64url:
        // only alphabet chars (no padding, whitespace or '+' '/'), and zero unused bits in the last char.
        if (encoded.IndexOfAnyExcept(AlphabetChars) >= 0 || !LastCharIsCanonical(encoded))
        {
            return false;
        }

        var padded = (encoded.Length + 3) & ~3;
        Span<byte> standard = stackalloc byte[padded];
        System.Text.Ascii.FromUtf16(encoded, standard, out _);
        standard[..encoded.Length].Replace((byte)'-', (byte)'+');
        standard[..encoded.Length].Replace((byte)'_', (byte)'/');
        standard[encoded.Length..].Fill((byte)'=');
        return Base64.DecodeFromUtf8(standard, destination, out _, out written) == OperationStatus.Done;
    }

    private static bool LastCharIsCanonical(ReadOnlySpan<char> encoded) => (encoded.Length % 4) switch
    {
        2 => (Value(encoded[^1]) & 0x0F) == 0,
        3 => (Value(encoded[^1]) & 0x03) == 0,
        _ => true,
    };

    internal static bool TryDecodeScalar(ReadOnlySpan<char> encoded, Span<byte> destination, out int written)
    {
        written = 0;

        var i = 0;
        for (; i + 4 <= encoded.Length; i += 4)
        {
            int a = Value(encoded[i]), b = Value(encoded[i + 1]), c = Value(encoded[i + 2]), d = Value(encoded[i + 3]);
            if ((a | b | c | d) < 0)
            {
                return false;
            }

            var v = (a << 18) | (b << 12) | (c << 6) | d;

            destination[written++] = (byte)(v >> 16);
            destination[written++] = (byte)(v >> 8);
            destination[written++] = (byte)v;
        }

        var rest = encoded.Length - i;
        if (rest == 2)
        {
            int a = Value(encoded[i]), b = Value(encoded[i + 1]);
            // Non-zero unused bits would give a second spelling of the same bytes.
            if ((a | b) < 0 || (b & 0x0F) != 0)
            {
                return false;
            }

            destination[written++] = (byte)((a << 2) | (b >> 4));
        }
        else if (rest == 3)
        {
            int a = Value(encoded[i]), b = Value(encoded[i + 1]), c = Value(encoded[i + 2]);
            if ((a | b | c) < 0 || (c & 0x03) != 0)
            {
                return false;
            }

            destination[written++] = (byte)((a << 2) | (b >> 4));
            destination[written++] = (byte)((b << 4) | (c >> 2));
        }

        return true;
    }

    /// <summary>Decodes strictly; throws <see cref="FormatException"/> on non-canonical input.</summary>
    public static byte[] Decode(ReadOnlySpan<char> encoded)
    {
        var length = DecodedLength(encoded.Length);
        var result = new byte[Math.Max(length, 0)];
        if (length < 0 || !TryDecode(encoded, result, out _))
        {
            throw new FormatException("Not strict base64url: only A-Z a-z 0-9 - _ without padding or whitespace are allowed.");
        }

        return result;
    }

    /// <summary>Decodes into a rented buffer (hot path); the caller returns it to <see cref="ArrayPool{T}.Shared"/>.</summary>
    public static bool TryDecodeRented(ReadOnlySpan<char> encoded, out byte[] rented, out int length)
    {
        length = DecodedLength(encoded.Length);
        if (length < 0)
        {
            rented = [];
            return false;
        }

        rented = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        if (TryDecode(encoded, rented, out length))
        {
            return true;
        }

        ArrayPool<byte>.Shared.Return(rented);
        rented = [];
        return false;
    }

    // -1 for anything outside the alphabet; ORing the values detects any bad char at once. A table
    // rather than a switch: the signature segment is decoded for every token (hot path).
    private static int Value(char c) => c < 128 ? DecodeTable[c] : -1;

    private static ReadOnlySpan<sbyte> DecodeTable =>
    [
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1,
        52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -1, -1, -1,
        -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
        15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, 63,
        -1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
        41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
    ];
}
