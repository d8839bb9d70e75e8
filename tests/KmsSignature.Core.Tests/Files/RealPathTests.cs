using KmsSignature.Core.Files;

namespace KmsSignature.Core.Tests.Files;

public sealed class RealPathTests : IDisposable
{
    private readonly string root = Directory.ResolveLinkTarget(Path.GetTempPath(), returnFinalTarget: true)?.FullName is { } temp
        ? Directory.CreateDirectory(Path.Combine(temp, "realpath-" + Guid.NewGuid().ToString("N"))).FullName
        : Directory.CreateTempSubdirectory("realpath-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void A_relative_link_to_a_directory_resolves_to_the_directory_and_a_missing_tail_is_kept()
    {
        var real = Directory.CreateDirectory(Path.Combine(root, "a", "real")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(root, "alias"), Path.Combine("a", "real"));

        Assert.Equal(Path.Combine(real, "x.sig"), RealPath.Of(Path.Combine(root, "alias", "x.sig")));
        Assert.Equal(Path.Combine(real, "missing", "y"), RealPath.Of(Path.Combine(root, "alias", "missing", "y")));
    }

    [Fact]
    public void A_link_loop_gives_the_path_as_written()
    {
        var loop = Path.Combine(root, "loop");
        File.CreateSymbolicLink(loop, loop);

        Assert.Equal(Path.Combine(loop, "z"), RealPath.Of(Path.Combine(loop, "z")));
    }
}
