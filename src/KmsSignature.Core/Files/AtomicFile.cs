namespace KmsSignature.Core.Files;

/// <summary>
/// Writes a file all at once or not at all: the bytes go to a temporary file in the same directory, which
/// is then renamed over the target (a rename within one directory is atomic on every platform we run on).
/// A failure leaves no temporary file and never a half-written target. A path that is a symbolic link names the file
/// the link finally points to, as it does for Set-Content and Out-File: that file is written (with overwrite, created
/// when the link dangles) and the link stays a link. A replaced file's Unix permissions carry over to the new one.
/// <para>
/// <see cref="Prepare"/> and <see cref="PreparedFile.Commit"/> split the write in two: the slow part (write and fsync) can run
/// on many threads at once, where the file system commits concurrent fsyncs together, and the cheap rename in a chosen order.
/// </para>
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, ReadOnlySpan<byte> content, bool overwrite)
    {
        using var prepared = Prepare(path, content, overwrite);
        prepared.Commit();
    }

    /// <summary>
    /// Writes <paramref name="content"/> to a temporary file next to the file <paramref name="path"/> names, flushed to disk;
    /// the target appears only on <see cref="PreparedFile.Commit"/>, and <see cref="PreparedFile.Discard"/> deletes the temporary file.
    /// Throws PathIsDirectory, OutputFileExists (without <paramref name="overwrite"/>) or OutputNotWritable, leaving nothing behind.
    /// </summary>
    public static PreparedFile Prepare(string path, ReadOnlySpan<byte> content, bool overwrite)
    {
        var full = Path.GetFullPath(path);
        RefuseDirectory(full);

        // A link, even a dangling one, exists: without overwrite it is refused, as Out-File -NoClobber does.
        if (!overwrite && File.Exists(full))
        {
            throw Exists(full);
        }

        // Renaming over the link itself would replace the link with a regular file and leave the file it names as it was.
        // The same resolution SignaturePathClaims compares, so a claim check and the file written always agree.
        var target = RealTarget(full);

        var directory = Path.GetDirectoryName(target) ?? ".";
        // Not named after the target: a target name near the file system's 255-byte limit would make a longer temporary
        // name fail ("File name too long") where the target itself can be written.
        var temp = Path.Combine(directory, $".kmssig-{Guid.NewGuid():N}.tmp");
        try
        {
            using var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            stream.Write(content);
            stream.Flush(flushToDisk: true);
            if (overwrite && !OperatingSystem.IsWindows())
            {
                KeepPermissions(stream.SafeFileHandle, full, target);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            DeleteQuietly(temp);
            throw Failure(ex, full, target, directory, overwrite);
        }
        catch (KmsSignatureException)
        {
            DeleteQuietly(temp);
            throw;
        }

        return new PreparedFile(full, target, temp, overwrite);
    }

    /// <summary>
    /// Throws PathIsDirectory when <paramref name="path"/> is a directory, which no write can replace: callers check before
    /// slow work (KMS calls) whose result could never be written, and <see cref="Write"/> checks again.
    /// </summary>
    public static void RefuseDirectory(string path)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new KmsSignatureException("PathIsDirectory", ErrorKind.InvalidArgument, $"'{full}' is a directory; a file was expected.", full);
        }

        // "keys/" names a directory even before it exists; resolving the path drops the separator, and the file would be
        // written as "keys" (where open(2) answers EISDIR, as Set-Content does).
        if (Path.EndsInDirectorySeparator(full))
        {
            throw new KmsSignatureException("PathIsDirectory", ErrorKind.InvalidArgument,
                $"'{full}' ends with a directory separator, so it names a directory; a file was expected.", full);
        }
    }

    /// <summary>The error for a failed write of <paramref name="full"/> (the path as given) through a temporary file in <paramref name="directory"/>.</summary>
    internal static KmsSignatureException Failure(Exception ex, string full, string target, string directory, bool overwrite) =>
        ex is IOException && !overwrite && File.Exists(target)
            ? Exists(full)
            : ex is DirectoryNotFoundException && ParentIsFile(full) is { } parentIsFile
            ? parentIsFile
            : NotWritable(full, ex switch
            {
                // The platform's message names the temporary file, which the user never asked for.
                DirectoryNotFoundException => $"the directory '{directory}' does not exist.",
                // A commit's rename finds its temporary file gone: the directory was removed after the prepare, or the file was.
                FileNotFoundException when !Directory.Exists(directory) => $"the directory '{directory}' does not exist.",
                FileNotFoundException => "the file prepared for it was removed before it could be put in place.",
                UnauthorizedAccessException => $"access to it or to the directory '{directory}' is denied.",
                _ => ex.Message,
            }, ex);

    /// <summary>
    /// ParentIsFile when a directory on the way to <paramref name="path"/> is a file (<c>notes.txt/key.pem</c>), which the
    /// platform reports as a directory that does not exist (ENOTDIR); null when none is. For failure paths: it costs a stat per level.
    /// </summary>
    public static KmsSignatureException? ParentIsFile(string path)
    {
        for (var parent = Path.GetDirectoryName(Path.GetFullPath(path)); parent is not null; parent = Path.GetDirectoryName(parent))
        {
            if (Directory.Exists(parent))
            {
                return null;
            }

            if (File.Exists(parent) && !IsBrokenLink(parent))
            {
                return new KmsSignatureException("ParentIsFile", ErrorKind.InvalidArgument,
                    $"Cannot write '{path}': '{parent}' is a file, not a directory.", path);
            }
        }

        return null;
    }

    // File.Exists is true for a link to nothing (a share not mounted, a folder since removed): that is a missing
    // directory, not a file in the way.
    private static bool IsBrokenLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget is not null && File.ResolveLinkTarget(path, returnFinalTarget: true) is { Exists: false };
        }
        catch (IOException)
        {
            return true; // a loop of links (ELOOP) leads to no file either
        }
    }

    internal static void DeleteQuietly(string temp)
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

    // The rename puts a new file in place, created with the process's umask: a replaced key or JWKS that was 0644 for a web
    // server would become 0600 under umask 077 (and a 0640 one readable by all under 022). Set-Content and Out-File keep the
    // file's permissions, so the new file takes them; set-id and sticky bits are not carried onto new content.
    // A file system without Unix modes (FAT, some FUSE and SMB mounts) may refuse chmod even on our own file: its files
    // all share one mode, so the new file has it already and no chmod is asked.
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void KeepPermissions(Microsoft.Win32.SafeHandles.SafeFileHandle temp, string full, string target)
    {
        const UnixFileMode PermissionBits = (UnixFileMode)0b111_111_111;
        UnixFileMode mode;
        try
        {
            mode = File.GetUnixFileMode(target);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return; // nothing to replace: the new file keeps the umask's permissions
        }

        var wanted = mode & PermissionBits;
        if (File.GetUnixFileMode(temp) == wanted)
        {
            return;
        }

        try
        {
            File.SetUnixFileMode(temp, wanted);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Not "access denied": the file and its directory are writable, only the mode cannot be given (and the
            // platform's message names the temporary file).
            throw NotWritable(full, $"the file system refused to give the new file the permissions of the one it replaces "
                + $"({Convert.ToString((int)wanted, 8).PadLeft(4, '0')}); remove that file first to write a new one with the file system's own.", ex);
        }
    }

    /// <summary>The file <paramref name="full"/> names, with the symbolic links on its way followed.</summary>
    private static string RealTarget(string full)
    {
        try
        {
            return RealPath.Resolve(full);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw NotWritable(full, ex.Message, ex); // a loop of links, or a link that cannot be read
        }
    }

    private static KmsSignatureException NotWritable(string path, string why, Exception ex) =>
        new("OutputNotWritable", ErrorKind.WriteError, $"Cannot write '{path}': {why}", path, ex);

    private static KmsSignatureException Exists(string path) =>
        new("OutputFileExists", ErrorKind.ResourceExists, $"'{path}' already exists; pass -Force to replace it.", path);
}
