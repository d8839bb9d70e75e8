using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests;

/// <summary>
/// <c>if (-not (... | Test-KmsSignature -Quiet)) { throw }</c>, the deployment gate of the help's Example 3, in a real pwsh
/// script with PowerShell's default error preference.
/// </summary>
public sealed class QuietGateInPwshTests : IDisposable
{
    private readonly string work = Directory.CreateTempSubdirectory("kmssig-pwsh-gate-").FullName;

    public void Dispose() => Directory.Delete(work, recursive: true);

    // A key source that cannot be used stopped the command with a terminating error. In a script that only ends the
    // statement: the `if` around the command was skipped, its `throw` never ran, and the script went on to deploy (exit 0).
    // With -Quiet the command now answers $false (and writes the error), so the gate fails closed.
    [Theory]
    [InlineData("-TrustStore (Join-Path $env:TEST_WORK no-keys)", "KmsSignature.TrustStoreNotFound")]
    [InlineData("-PublicKey (Join-Path $env:TEST_WORK no-key.pem)", "KmsSignature.PublicKeyNotFound")]
    [InlineData("-TrustStore $env:TEST_WORK", "KmsSignature.TrustStoreEmpty")]
    public void A_key_source_that_cannot_be_used_makes_the_gate_fail(string keySource, string errorId)
    {
        var run = Pwsh.Run($$"""
            Import-Module ./out/KmsSignature/KmsSignature.psd1
            $tokens = Get-Content ./tests/fixtures/tokens/es256-p256.jwt
            $ok = $tokens | Test-KmsSignature {{keySource}} -Quiet
            "quiet|$($ok -is [bool])|$ok"
            "error|$($Error[0].FullyQualifiedErrorId)"
            if (-not ($tokens | Test-KmsSignature {{keySource}} -Quiet)) { 'gate|closed'; exit 3 }
            'gate|open'
            exit 0
            """,
            new Dictionary<string, string> { ["TEST_WORK"] = work },
            TimeSpan.FromMinutes(2));

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Contains("quiet|True|False", run.Output, StringComparison.Ordinal);
        Assert.Contains($"error|{errorId},", run.Output, StringComparison.Ordinal);
        Assert.Contains("gate|closed", run.Output, StringComparison.Ordinal);
    }
}
