using KmsSignature.Core.Files;

namespace KmsSignature.Core.Tests.Files;

/// <summary>
/// A path that is a symbolic link names the file the link points to: writing it replaces that file, atomically, and
/// leaves the link a link, as Set-Content and Out-File do.
/// </summary>
public sealed class AtomicFileLinkTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("atomicfile-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void Overwriting_a_link_writes_the_file_it_points_to_and_keeps_the_link()
    {
        var real = Path.Combine(root, "release.pem");
        File.WriteAllBytes(real, [1, 2, 3]);
        var link = Path.Combine(root, "current.pem");
        File.CreateSymbolicLink(link, "release.pem");

        AtomicFile.Write(link, [9], overwrite: true);

        Assert.Equal("release.pem", new FileInfo(link).LinkTarget);
        Assert.Equal([9], File.ReadAllBytes(real));
        Assert.Equal(["current.pem", "release.pem"], Directory.GetFiles(root).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_chain_of_links_into_another_directory_writes_the_final_target_there()
    {
        var elsewhere = Directory.CreateDirectory(Path.Combine(root, "keys")).FullName;
        var real = Path.Combine(elsewhere, "release.pem");
        File.WriteAllBytes(real, [1]);
        File.CreateSymbolicLink(Path.Combine(root, "middle.pem"), Path.Combine("keys", "release.pem"));
        var link = Path.Combine(root, "first.pem");
        File.CreateSymbolicLink(link, "middle.pem");

        AtomicFile.Write(link, [7, 7], overwrite: true);

        Assert.Equal([7, 7], File.ReadAllBytes(real));
        Assert.Equal("middle.pem", new FileInfo(link).LinkTarget);
        Assert.Equal(["release.pem"], Directory.GetFiles(elsewhere).Select(Path.GetFileName));
        Assert.Equal(["first.pem", "middle.pem"], Directory.GetFiles(root).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Without_overwrite_a_link_to_an_existing_file_is_OutputFileExists_and_nothing_changes()
    {
        var real = Path.Combine(root, "release.pem");
        File.WriteAllBytes(real, [1, 2, 3]);
        var link = Path.Combine(root, "current.pem");
        File.CreateSymbolicLink(link, "release.pem");

        var ex = Assert.Throws<KmsSignatureException>(() => AtomicFile.Write(link, [9], overwrite: false));

        Assert.Equal("KmsSignature.OutputFileExists", ex.ErrorId);
        Assert.Equal(link, ex.Target);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(real));
        Assert.Equal("release.pem", new FileInfo(link).LinkTarget);
    }

    [Fact]
    public void With_overwrite_a_dangling_link_creates_the_file_it_points_to()
    {
        var link = Path.Combine(root, "current.pem");
        File.CreateSymbolicLink(link, "release.pem");

        AtomicFile.Write(link, [5], overwrite: true);

        Assert.Equal([5], File.ReadAllBytes(Path.Combine(root, "release.pem")));
        Assert.Equal("release.pem", new FileInfo(link).LinkTarget);
    }

    [Fact]
    public void Without_overwrite_a_dangling_link_is_OutputFileExists_as_for_Out_File_NoClobber()
    {
        var link = Path.Combine(root, "current.pem");
        File.CreateSymbolicLink(link, "release.pem");

        Assert.Equal("KmsSignature.OutputFileExists", Assert.Throws<KmsSignatureException>(() => AtomicFile.Write(link, [5], overwrite: false)).ErrorId);

        Assert.Equal(["current.pem"], Directory.GetFiles(root).Select(Path.GetFileName));
        Assert.Equal("release.pem", new FileInfo(link).LinkTarget);
    }

    [Fact]
    public void A_link_loop_is_OutputNotWritable_and_the_link_stays()
    {
        var loop = Path.Combine(root, "loop.pem");
        File.CreateSymbolicLink(loop, "loop.pem");

        var ex = Assert.Throws<KmsSignatureException>(() => AtomicFile.Write(loop, [1], overwrite: true));

        Assert.Equal("KmsSignature.OutputNotWritable", ex.ErrorId);
        Assert.Equal(ErrorKind.WriteError, ex.Kind);
        Assert.Equal(loop, ex.Target);
        Assert.Equal("loop.pem", new FileInfo(loop).LinkTarget);
        Assert.Equal(["loop.pem"], Directory.GetFiles(root).Select(Path.GetFileName));
    }

    // A link to nothing answers File.Exists, and was reported as a file in the way.
    [Fact]
    public void A_folder_link_to_nothing_is_a_missing_directory_not_ParentIsFile()
    {
        var link = Path.Combine(root, "share");
        File.CreateSymbolicLink(link, Path.Combine(root, "unmounted"));
        var target = Path.Combine(link, "key.pem");

        var ex = Assert.Throws<KmsSignatureException>(() => AtomicFile.Write(target, [1], overwrite: false));

        Assert.Null(AtomicFile.ParentIsFile(target));
        Assert.Equal("KmsSignature.OutputNotWritable", ex.ErrorId);
        Assert.Contains($"the directory '{Path.Combine(root, "unmounted")}' does not exist", ex.Message);
    }

    [Fact]
    public void A_folder_link_to_a_file_is_ParentIsFile_naming_the_link()
    {
        File.WriteAllText(Path.Combine(root, "notes.txt"), "x");
        var link = Path.Combine(root, "notes");
        File.CreateSymbolicLink(link, "notes.txt");

        var ex = Assert.Throws<KmsSignatureException>(() => AtomicFile.Write(Path.Combine(link, "key.pem"), [1], overwrite: false));

        Assert.Equal("KmsSignature.ParentIsFile", ex.ErrorId);
        Assert.Contains($"'{link}' is a file", ex.Message);
    }
}
