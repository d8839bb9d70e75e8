using System.Text;
using KmsSignature.Core.Jose;

namespace KmsSignature.Core.Tests.Verification;

/// <summary>One-byte changes to a token's decoded parts, re-encoded so the token stays well-formed.</summary>
internal static class Tamper
{
    public static string Header(string token) => Replace(token, 0, bytes =>
    {
        var json = Encoding.UTF8.GetString(bytes);
        var i = json.IndexOf("\"JWT\"", StringComparison.Ordinal);
        if (i >= 0)
        {
            return Encoding.UTF8.GetBytes(json.Remove(i + 3, 1).Insert(i + 3, "S")); // "JWT" -> "JWS"
        }

        i = json.LastIndexOf('"');
        // Change the last letter of the alg-independent part: one byte, still JSON.
        var kidAt = json.IndexOf("\"kid\":\"", StringComparison.Ordinal);
        var at = kidAt >= 0 ? kidAt + 7 : i - 1;
        var chars = json.ToCharArray();
        chars[at] = chars[at] == 'x' ? 'y' : 'x';
        return Encoding.UTF8.GetBytes(chars);
    });

    public static string Payload(string token) => Replace(token, 1, bytes =>
    {
        var copy = (byte[])bytes.Clone();
        var json = Encoding.UTF8.GetString(copy);
        var at = json.IndexOf("\"sub\":\"", StringComparison.Ordinal);
        var index = at >= 0 ? at + 7 : copy.Length / 2;
        copy[index] = (byte)(copy[index] == (byte)'x' ? 'y' : 'x');
        return copy;
    });

    public static string Signature(string token) => Replace(token, 2, bytes =>
    {
        var copy = (byte[])bytes.Clone();
        copy[copy.Length / 2] ^= 0x01;
        return copy;
    });

    public static byte[] FlipByte(byte[] data, int index)
    {
        var copy = (byte[])data.Clone();
        copy[index] ^= 0x01;
        return copy;
    }

    private static string Replace(string token, int segment, Func<byte[], byte[]> change)
    {
        var parts = token.Split('.');
        parts[segment] = Base64Url.Encode(change(Base64Url.Decode(parts[segment])));
        return string.Join('.', parts);
    }
}
