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
}
