namespace KmsSignature.Module.Tests.Hosting;

/// <summary>Locates the repository and the assembled module (out/KmsSignature is a contract).</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string ModuleDirectory => Path.Combine(Root, "out", "KmsSignature");

    public static string ModuleManifest => Path.Combine(ModuleDirectory, "KmsSignature.psd1");

    public static string Fixtures => Path.Combine(Root, "tests", "fixtures");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "KmsSignature.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("KmsSignature.sln not found above " + AppContext.BaseDirectory);
    }
}
