namespace KmsSignature.Core.Signing;

/// <summary>
/// Writes a file so readers see either nothing or the whole content: write a temporary file in the same
/// directory, flush it to disk, then rename it over the target (a rename within one directory is atomic on
/// POSIX and NTFS). Without overwrite the rename itself refuses an existing target, so there is no
/// check-then-write race.
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, ReadOnlySpan<byte> content, bool overwrite)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        if (!overwrite && File.Exists(full))
        {
            throw Exists(full);
        }

        if (Directory.Exists(full))
        {
            throw new KmsSignatureException("PathIsDirectory", ErrorKind.InvalidArgument, $"'{full}' is a directory; a file was expected.", full);
        }

        var temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite);
        }
        catch (IOException) when (!overwrite && File.Exists(full))
        {
            TryDelete(temp);
            throw Exists(full);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw new KmsSignatureException("FileNotWritable", ErrorKind.WriteError, $"Cannot write '{full}': {ex.Message}", full, ex);
        }
    }

    private static KmsSignatureException Exists(string path) =>
        new("SignatureFileExists", ErrorKind.ResourceExists, $"'{path}' already exists; it is not overwritten without -Force.", path)
        {
            RecommendedAction = "Use -Force to replace it, or -Destination for another file.",
        };

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: the temp file has a unique hidden name and never replaces the target.
        }
    }
}
