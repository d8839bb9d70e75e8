namespace KmsSignature.Core.Jose;

/// <summary>
/// Why a token that did not parse probably came from a copy-and-paste: an Authorization header's <c>Bearer </c> scheme,
/// the quotes of a JSON or shell string, several tokens read as one text, or an invisible character (a byte order mark, a
/// zero-width space); or a file's name given where a token is read. None of these characters is base64url, so
/// the parser's own reason ("the JWS header is not strict base64url", "5 segments: a JWE") would point the user elsewhere.
/// </summary>
public static class PastedTokenMistake
{
    /// <summary>A reason naming the mistake, or null when the token shows none of them. Only for tokens that failed to parse.</summary>
    public static string? Describe(ReadOnlySpan<char> token)
    {
        if (token.Contains("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return "the token has the 'Bearer ' prefix of an HTTP Authorization header: give only the token after it";
        }

        if (token.Length > 0 && (token[0] is '"' or '\'' || token[^1] is '"' or '\''))
        {
            return "the token is in quotes: give it without them";
        }

        foreach (var c in token)
        {
            if (char.IsWhiteSpace(c))
            {
                return "the token has white space or a line break inside: give one token per string "
                    + "(Get-Content without -Raw reads a file line by line)";
            }

            // Format characters print as nothing: a byte order mark that text decoded from a file's bytes keeps (Get-Content
            // drops it), a zero-width space or joiner copied from a web page or chat. Not white space, so Trim leaves them.
            if (char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format)
            {
                return c == '\uFEFF'
                    ? "the token has the invisible character U+FEFF (a byte order mark, kept when a file's bytes are decoded "
                        + "as text; Get-Content drops it): give the token without it"
                    : $"the token has the invisible character U+{(int)c:X4} (copied from a web page or chat, say): give the token without it";
            }
        }

        if (LooksLikeFileName(token))
        {
            return "a string is read as a token, and this one looks like a file's name or path: to verify a file against its "
                + "signature, pipe Get-Item or Get-ChildItem output or give -Path; to check the tokens a file holds, pipe Get-Content";
        }

        return null;
    }

    // 'app.zip' | Test-KmsSignature, as Get-FileHash takes path strings: a path separator, or the end of a file's usual name.
    // Looked at last, after the paste mistakes, and never for text that starts as a JSON header does in base64url ('{' is
    // "e" then one of "wxyz0-9-_"): a token in standard base64 has '/', a truncated one may end in a short segment.
    private static bool LooksLikeFileName(ReadOnlySpan<char> token)
    {
        if (token is ['e', var second, ..] && "wxyz0123456789-_".Contains(second))
        {
            return false;
        }

        var dot = token.LastIndexOf('.');
        return token.IndexOfAny('/', '\\') >= 0
            || (dot > 0 && FileExtensions.Contains(token[(dot + 1)..].ToString().ToLowerInvariant()));
    }

    // What release folders and token files are usually named with: a short, well-known end, not any letters after a dot
    // ("a.b.c.d" is a token with four segments).
    private static readonly HashSet<string> FileExtensions =
    [
        "zip", "gz", "tgz", "bz2", "xz", "7z", "tar", "jar", "war", "whl", "nupkg", "deb", "rpm", "msi", "exe", "dll", "so",
        "dylib", "iso", "img", "bin", "pdf", "txt", "log", "csv", "json", "xml", "yaml", "yml", "jwt", "jws", "token",
        "sig", "pem", "der", "ps1", "psm1", "sh", "py", "js",
    ];
}
