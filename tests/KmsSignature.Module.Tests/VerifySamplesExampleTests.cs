using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests;

/// <summary>examples/verify-samples.ps1 (the README's first command until the demo exists) runs and passes.</summary>
public sealed class VerifySamplesExampleTests
{
    [Fact]
    public void Verify_samples_script_succeeds()
    {
        using var session = new PowerShellSession(importModule: false);

        var result = session.Run("& $script -ModulePath $module",
            new Dictionary<string, object?>
            {
                ["script"] = Path.Combine(RepoPaths.Root, "examples", "verify-samples.ps1"),
                ["module"] = RepoPaths.ModuleManifest,
            }).AssertSuccess();

        Assert.Equal("All samples verified as expected.", result.Output[^1].BaseObject);
        Assert.Equal(["Valid", "Valid", "InvalidSignature", "Valid"],
            result.Output.Take(4).Select(o => o.Properties["Status"].Value.ToString()));
    }
}
