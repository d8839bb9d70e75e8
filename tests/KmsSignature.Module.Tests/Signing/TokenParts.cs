using System.Text;

namespace KmsSignature.Module.Tests.Signing;

/// <summary>A compact token's parts read by the tests themselves, not through the module under test.</summary>
internal static class TokenParts
{
    public static byte[] Base64UrlDecode(string text) =>
        Convert.FromBase64String(text.Replace('-', '+').Replace('_', '/') + new string('=', (4 - text.Length % 4) % 4));

    /// <summary>The text of part <paramref name="index"/> (0 the header, 1 the payload).</summary>
    public static string Text(string token, int index) => Encoding.UTF8.GetString(Base64UrlDecode(token.Split('.')[index]));
}
