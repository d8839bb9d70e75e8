namespace KmsSignature.Core.Files;

/// <summary>
/// A path with the symbolic links in its existing components followed, as <c>realpath</c> gives it: two paths that
/// differ as text (a link to the file's directory) may still name one file, and writing to one replaces the other.
/// </summary>
public static class RealPath
{
    // Linux's limit on links followed while resolving one path (MAXSYMLINKS); a loop ends here instead of never.
    private const int MaxLinks = 40;

    /// <summary>
    /// The full path with every symbolic link among its existing components resolved; components that do not exist are kept.
    /// A loop of links or an unreadable link gives the full path as written: the text is all there is to compare.
    /// </summary>
    public static string Of(string path)
    {
        try
        {
            return Resolve(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Path.GetFullPath(path);
        }
    }

    /// <summary>As <see cref="Of"/>, but a loop of links (IOException) or an unreadable link (UnauthorizedAccessException) throws.</summary>
    public static string Resolve(string path)
    {
        var links = 0;
        return Resolve(Path.GetFullPath(path), ref links);
    }

    private static string Resolve(string full, ref int links)
    {
        var current = Path.GetPathRoot(full)!;
        foreach (var part in full[current.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, part);
            var info = new FileInfo(current);
            if (info.LinkTarget is null)
            {
                continue;
            }

            if (++links > MaxLinks)
            {
                throw new IOException($"Too many levels of symbolic links in '{full}'.");
            }

            // A relative target is relative to the link's directory, which is already resolved here.
            current = Resolve(Path.GetFullPath(info.LinkTarget, Path.GetDirectoryName(current)!), ref links);
        }

        return current;
    }
}
