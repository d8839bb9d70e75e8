using System.Management.Automation;
using System.Management.Automation.Language;
using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests;

/// <summary>The module as built at out/KmsSignature imports cleanly and its manifest is valid.</summary>
public sealed class ModuleManifestTests
{
    [Fact]
    public void Built_manifest_passes_Test_ModuleManifest()
    {
        using var session = new PowerShellSession(importModule: false);
        var result = session.Run("Test-ModuleManifest -Path $path -ErrorAction Stop",
            new Dictionary<string, object?> { ["path"] = RepoPaths.ModuleManifest }).AssertSuccess();

        var module = Assert.Single(result.Output);
        Assert.Equal("KmsSignature", module.Properties["Name"].Value);
        Assert.Equal(new Version(7, 4), module.Properties["PowerShellVersion"].Value);
    }

    [Fact]
    public void Import_exports_exactly_the_cmdlets_the_manifest_lists()
    {
        using var session = new PowerShellSession();
        var exported = session.Run("(Get-Module KmsSignature).ExportedCmdlets.Keys").AssertSuccess()
            .Output.Select(o => o.BaseObject.ToString()).Order().ToArray();
        var listed = session.Run("(Test-ModuleManifest -Path $path).ExportedCmdlets.Keys",
                new Dictionary<string, object?> { ["path"] = RepoPaths.ModuleManifest }).AssertSuccess()
            .Output.Select(o => o.BaseObject.ToString()).Order().ToArray();

        Assert.Equal(listed, exported);
    }

    [Fact]
    public void Core_assembly_loads_into_the_private_load_context()
    {
        using var session = new PowerShellSession();
        var contexts = session.Run(
            "[System.AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'KmsSignature.Core' } | " +
            "ForEach-Object { [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name }").AssertSuccess();
        // Core may not be loaded until a cmdlet runs; when it is, it must not be in the default context.
        Assert.All(contexts.Output, c => Assert.Equal("KmsSignature", c.BaseObject));
    }

    public static TheoryData<string> RepositoryScripts()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(RepoPaths.Root, "*.*", SearchOption.AllDirectories)
                     .Where(f => f.EndsWith(".ps1") || f.EndsWith(".psm1") || f.EndsWith(".psd1"))
                     .Where(f => !IsBuildOutput(f)))
        {
            data.Add(Path.GetRelativePath(RepoPaths.Root, file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RepositoryScripts))]
    public void Repository_script_parses_without_errors(string relativePath)
    {
        Parser.ParseFile(Path.Combine(RepoPaths.Root, relativePath), out _, out var errors);
        Assert.True(errors.Length == 0, string.Join("\n", errors.Select(e => $"{e.Extent.StartLineNumber}: {e.Message}")));
    }

    private static bool IsBuildOutput(string path)
    {
        var relative = Path.GetRelativePath(RepoPaths.Root, path).Replace('\\', '/');
        return relative.StartsWith("out/") || relative.Contains("/bin/") || relative.Contains("/obj/")
            || relative.Contains("node_modules/") || relative.StartsWith(".git/");
    }
}
