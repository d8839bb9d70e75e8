namespace KmsSignature.Core.Files;

/// <summary>
/// Writes a file all at once or not at all: the bytes go to a temporary file in the same directory, which
/// is then renamed over the target (a rename within one directory is atomic on every platform we run on).
/// A failure leaves no temporary file and never a half-written target.
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, ReadOnlySpan<byte> content, bool overwrite)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new KmsSignatureException("PathIsDirectory", ErrorKind.InvalidArgument, $"'{full}' is a directory; a file was expected.", full);
        }

        if (!overwrite && File.Exists(full))
        {
            throw Exists(full);
        }

        var directory = Path.GetDirectoryName(full) ?? ".";
        // Not named after the target: a target name near the file system's 255-byte limit would make a longer temporary
        // name fail ("File name too long") where the target itself can be written.
        var temp = Path.Combine(directory, $".kmssig-{Guid.NewGuid():N}.tmp");
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
            throw Exists(full);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new KmsSignatureException("OutputNotWritable", ErrorKind.WriteError,
                $"Cannot write '{full}': {ex.Message}", full, ex);
        }
        finally
        {
            try
            {
                File.Delete(temp);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Nothing was created, or the directory refuses even that: nothing to clean.
            }
        }
    }

    private static KmsSignatureException Exists(string path) =>
        new("OutputFileExists", ErrorKind.ResourceExists, $"'{path}' already exists; pass -Force to replace it.", path);
}
