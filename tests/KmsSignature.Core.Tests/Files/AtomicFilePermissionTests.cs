using KmsSignature.Core.Files;

namespace KmsSignature.Core.Tests.Files;

/// <summary>
/// Replacing a file (-Force) keeps its Unix permissions, as Set-Content and Out-File do: the rename puts a new file in place,
/// which would otherwise take the umask's. Windows has no Unix mode; the new file there takes the directory's inherited ACL.
/// </summary>
public sealed class AtomicFilePermissionTests : IDisposable
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode AllRead = OwnerReadWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private readonly string root = Directory.CreateTempSubdirectory("atomicfile-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    // A JWKS a web server reads (0644), refreshed by a job whose umask is 077, must stay readable by the server.
    [Theory]
    [InlineData(AllRead)]
    [InlineData(OwnerReadWrite | UnixFileMode.GroupRead)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead)]
    public void Overwriting_keeps_the_replaced_files_permissions(UnixFileMode before)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var path = Path.Combine(root, "jwks.json");
        File.WriteAllBytes(path, [1]);
        File.SetUnixFileMode(path, before);

        AtomicFile.Write(path, [2], overwrite: true);

        Assert.Equal([2], File.ReadAllBytes(path));
        Assert.Equal(before, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Overwriting_through_a_link_keeps_the_permissions_of_the_file_it_points_to()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var real = Path.Combine(root, "release.pem");
        File.WriteAllBytes(real, [1]);
        File.SetUnixFileMode(real, OwnerReadWrite | UnixFileMode.GroupRead);
        var link = Path.Combine(root, "current.pem");
        File.CreateSymbolicLink(link, "release.pem");

        AtomicFile.Write(link, [2], overwrite: true);

        Assert.Equal(OwnerReadWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(real));
    }

    // Set-user-id, set-group-id and sticky bits belong to the old content; the new content does not inherit them.
    [Fact]
    public void Overwriting_does_not_carry_set_id_bits_onto_new_content()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var path = Path.Combine(root, "tool.sig");
        File.WriteAllBytes(path, [1]);
        File.SetUnixFileMode(path, AllRead | UnixFileMode.UserExecute | UnixFileMode.SetUser | UnixFileMode.SetGroup);

        AtomicFile.Write(path, [2], overwrite: true);

        Assert.Equal(AllRead | UnixFileMode.UserExecute, File.GetUnixFileMode(path));
    }

    // A file system without Unix modes may refuse chmod outright (FAT without "quiet", some FUSE and SFTP mounts); here bindfs
    // --chmod-deny stands for one. Where the new file already has the mode, -Force works as before permissions were kept;
    // where it has not, the error says so instead of "access denied". Runs where bindfs is installed and may mount (root).
    [ChmodRefusingMountFact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void On_a_file_system_that_refuses_chmod_overwriting_works_when_the_mode_is_already_right()
    {
        using var mount = ChmodRefusingMount.TryCreate(root);
        Assert.NotNull(mount); // bindfs is installed here: a mount that fails (FUSE needs root or the fuse group) is a failure, not a pass

        var backing = Path.Combine(mount.Backing, "jwks.json");
        File.WriteAllBytes(backing, [1]);
        var path = Path.Combine(mount.Path, "jwks.json");
        AtomicFile.Write(Path.Combine(mount.Path, "probe"), [0], overwrite: false);
        var umaskMode = File.GetUnixFileMode(Path.Combine(mount.Path, "probe"));
        File.SetUnixFileMode(backing, umaskMode);

        AtomicFile.Write(path, [2], overwrite: true);

        Assert.Equal([2], File.ReadAllBytes(path));
        Assert.Equal(umaskMode, File.GetUnixFileMode(path));

        // Another file: the mount caches what it last said of jwks.json.
        var other = Path.Combine(mount.Path, "key.pem");
        File.WriteAllBytes(Path.Combine(mount.Backing, "key.pem"), [1]);
        File.SetUnixFileMode(Path.Combine(mount.Backing, "key.pem"), umaskMode ^ UnixFileMode.GroupWrite);
        var ex = Assert.Throws<KmsSignatureException>(() => AtomicFile.Write(other, [3], overwrite: true));

        Assert.Equal("KmsSignature.OutputNotWritable", ex.ErrorId);
        Assert.Contains("the file system refused to give the new file the permissions of the one it replaces", ex.Message);
        Assert.Equal([1], File.ReadAllBytes(other));
        Assert.Empty(Directory.GetFiles(mount.Backing, ".kmssig-*"));
    }

    private sealed class ChmodRefusingMount : IDisposable
    {
        private ChmodRefusingMount(string backing, string path)
        {
            Backing = backing;
            Path = path;
        }

        public string Backing { get; }

        public string Path { get; }

        public static ChmodRefusingMount? TryCreate(string root)
        {
            var backing = Directory.CreateDirectory(System.IO.Path.Combine(root, "backing")).FullName;
            var path = Directory.CreateDirectory(System.IO.Path.Combine(root, "mount")).FullName;
            try
            {
                using var bindfs = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("bindfs", ["--chmod-deny", backing, path])
                {
                    RedirectStandardError = true,
                });
                bindfs!.WaitForExit();
                return bindfs.ExitCode == 0 ? new ChmodRefusingMount(backing, path) : null;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return null; // no bindfs here
            }
        }

        public void Dispose()
        {
            using var umount = System.Diagnostics.Process.Start("umount", [Path]);
            umount.WaitForExit();
        }
    }

    /// <summary>Skipped, with the reason shown, where bindfs (the stand-in for a file system that refuses chmod) cannot run.</summary>
    private sealed class ChmodRefusingMountFactAttribute : FactAttribute
    {
        public ChmodRefusingMountFactAttribute()
        {
            if (!OperatingSystem.IsLinux() || !File.Exists("/dev/fuse")
                || !(Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, "bindfs"))))
            {
                Skip = "needs bindfs and FUSE on Linux (apt install bindfs) to stand in for a file system that refuses chmod.";
            }
        }
    }
}
