using System.Text;

namespace KmsSignature.Core.Verification;

/// <summary>
/// A value taken from a token (kid, alg, iss, aud) as a <see cref="VerificationResult.Reason"/> quotes it, or one that the
/// sender of a detached signature chose (a file name, a manifest row's algorithm) as an error message does. Reasons are
/// printed and logged, and the header needs no valid signature to reach one: raw, a kid of <c>"\u001b[2K\rValid"</c>
/// rewrites the terminal line and <c>"\nValid: ..."</c> forges a log line. Control characters (C0, DEL, C1), line and
/// paragraph separators and bidirectional controls are shown as <c>\uXXXX</c>; a long value is cut.
/// Only failure reasons, error messages and the result views use it: the valid path quotes nothing from the token.
/// Public for the cmdlets: their own path errors and the format views (through ViewText).
/// </summary>
public static class UntrustedText
{
    private const int MaxLength = 200;

    public static string? Show(string? value)
    {
        if (value is null || (value.Length <= MaxLength && value.AsSpan().IndexOfAny(Unprintable) < 0))
        {
            return value;
        }

        var shown = value.Length <= MaxLength ? value.AsSpan() : value.AsSpan(0, char.IsHighSurrogate(value[MaxLength - 1]) ? MaxLength - 1 : MaxLength);
        var text = Escaped(shown);
        return value.Length <= MaxLength ? text.ToString() : text.Append($"... ({value.Length} characters)").ToString();
    }

    /// <summary>
    /// Text an error message quotes that the sender of a signature chose (a file's name, and so its signature's path and the
    /// system's message about either): escaped as <see cref="Show"/> does, but whole, since the user needs all of a path.
    /// </summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(text))]
    public static string? ShowWhole(string? text) => text is null || text.AsSpan().IndexOfAny(Unprintable) < 0 ? text : Escaped(text).ToString();

    private static StringBuilder Escaped(ReadOnlySpan<char> value)
    {
        var text = new StringBuilder(value.Length + 32);
        foreach (var c in value)
        {
            if (Unprintable.Contains(c))
            {
                text.Append(@"\u").Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                text.Append(c);
            }
        }

        return text;
    }

    private static readonly System.Buffers.SearchValues<char> Unprintable = System.Buffers.SearchValues.Create(
        "\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000A\u000B\u000C\u000D\u000E\u000F"
        + "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F"
        + "\u007F\u0080\u0081\u0082\u0083\u0084\u0085\u0086\u0087\u0088\u0089\u008A\u008B\u008C\u008D\u008E\u008F"
        + "\u0090\u0091\u0092\u0093\u0094\u0095\u0096\u0097\u0098\u0099\u009A\u009B\u009C\u009D\u009E\u009F"
        + "\u061C\u200E\u200F\u2028\u2029\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069");
}
