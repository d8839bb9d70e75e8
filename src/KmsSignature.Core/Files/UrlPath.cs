using System.Diagnostics.CodeAnalysis;
using KmsSignature.Core.Verification;

namespace KmsSignature.Core.Files;

/// <summary>
/// A URL given where a path is expected. KmsSignature reads and writes local files only (verification stays offline,
/// nothing is uploaded); without this PowerShell reads <c>https:</c> or <c>s3:</c> as a drive and says only that no
/// such drive exists.
/// </summary>
public static class UrlPath
{
    /// <summary>
    /// True for <c>scheme://…</c> with a scheme of two or more characters: <c>C://x</c> is a Windows path, not a URL.
    /// </summary>
    public static bool IsUrl(string location, [NotNullWhen(true)] out Uri? url)
    {
        url = null;
        var separator = location.IndexOf("://", StringComparison.Ordinal);
        return separator >= 2 && Uri.TryCreate(location, UriKind.Absolute, out url) && url.Scheme.Length == separator;
    }

    /// <summary>How to bring the file a URL names to the local disk, as the command a user would run.</summary>
    public static string DownloadAdvice(Uri url, string fileNameIfNone)
    {
        var name = FileName(url, fileNameIfNone);
        return url.Scheme switch
        {
            "http" or "https" => $"Download it first (Invoke-WebRequest {Quoted(WithoutUserInfo(url))} -OutFile {name}) and give the file.",
            "s3" => $"Download it first (aws s3 cp {Quoted(WithoutUserInfo(url))} {name}) and give the file.",
            "file" => $"Give the path itself: {Quoted(url.LocalPath)}.",
            _ => "Copy it to a local file first and give the file.",
        };
    }

    /// <summary>
    /// <c>KmsSignature.PathIsUrl</c> for a URL given as a file to read, or (<paramref name="writing"/>) as a file to write,
    /// with the command that gets the file there or back.
    /// </summary>
    public static KmsSignatureException Refused(string location, Uri url, bool writing)
    {
        var shown = WithoutUserInfo(url);
        if (!writing)
        {
            return new KmsSignatureException("PathIsUrl", ErrorKind.InvalidArgument,
                $"'{UntrustedText.ShowWhole(shown)}' is a URL; KmsSignature reads local files only. {DownloadAdvice(url, "file")}", shown);
        }

        var name = FileName(url, "file");
        var advice = url.Scheme switch
        {
            "s3" => $"Write a local file, then upload it (aws s3 cp {name} {Quoted(shown)}).",
            "file" => $"Give the path itself: {Quoted(url.LocalPath)}.",
            _ => "Write a local file, then copy it there.",
        };
        return new KmsSignatureException("PathIsUrl", ErrorKind.InvalidArgument,
            $"'{UntrustedText.ShowWhole(shown)}' is a URL; KmsSignature writes local files only. {advice}", shown);
    }

    /// <summary>
    /// The URL as given, with its user info (<c>user:password@</c>, or a token as user name) shown as <c>***</c>: errors
    /// reach logs and transcripts, and never show credentials.
    /// </summary>
    internal static string WithoutUserInfo(Uri url)
    {
        var text = url.OriginalString;
        if (url.UserInfo.Length == 0)
        {
            return text;
        }

        // The user info runs from "//" to the last '@' before the path, query or fragment, as the Uri parser reads it.
        var start = text.IndexOf("://", StringComparison.Ordinal) + 3;
        var end = text.IndexOfAny(['/', '?', '#', '\\'], start);
        var at = text.LastIndexOf('@', end < 0 ? text.Length - 1 : end - 1);
        return at < start ? text : string.Concat(text.AsSpan(0, start), "***", text.AsSpan(at));
    }

    // The advice is a command to copy and run: a quote in the URL must not end the string early (it ';'s a command
    // in), and a control character must not reach the terminal.
    private static string Quoted(string text) => "'" + UntrustedText.ShowWhole(text).Replace("'", "''", StringComparison.Ordinal) + "'";

    private static string FileName(Uri url, string fileNameIfNone)
    {
        var name = Path.GetFileName(Uri.UnescapeDataString(url.AbsolutePath));
        return IsPlainArgument(name) ? name : fileNameIfNone;
    }

    // The name goes unquoted into the suggested command, so only characters PowerShell reads as part of a plain word:
    // '|', '>', '&', ',', '(', '{', a leading '@' or '-' and the like would pipe, redirect, splat or bind a parameter.
    private static bool IsPlainArgument(string name)
    {
        if (name.Length == 0 || name[0] == '-')
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsLetterOrDigit(c) && c is not ('.' or '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }
}
