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
    // -KeyId: a connection that cannot be made, and an error that ends a run (an unreachable endpoint), ended the command too.
    [InlineData("-KeyId alias/app -ProfileName no-such-profile -Region us-east-1", "KmsSignature.ProfileNotFound")]
    [InlineData("-KeyId alias/app -EndpointUrl $env:TEST_CLOSED -Region us-east-1 -Credential ([pscredential]::new('AKIAEXAMPLE0000000001', (ConvertTo-SecureString secret -AsPlainText -Force)))",
        "KmsSignature.KmsEndpointUnreachable")]
    [InlineData("-TrustStore $env:TEST_WORK -ClockSkew ([TimeSpan]300)", "KmsSignature.InvalidClockSkew")]
    public void A_key_source_that_cannot_be_used_makes_the_gate_fail(string keySource, string errorId)
    {
        using var closed = new ClosedPort();
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
            new Dictionary<string, string> { ["TEST_WORK"] = work, ["TEST_CLOSED"] = $"http://127.0.0.1:{closed.Port}" },
            TimeSpan.FromMinutes(2));

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Contains("quiet|True|False", run.Output, StringComparison.Ordinal);
        Assert.Contains($"error|{errorId},", run.Output, StringComparison.Ordinal);
        Assert.Contains("gate|closed", run.Output, StringComparison.Ordinal);
    }

    // An argument refused when binding ends the command before it can answer; without 'Stop' that ends only the `if`
    // statement. The help's Example 3 sets $ErrorActionPreference = 'Stop' for this: the script then ends there, not past
    // its throw. Both halves are pinned, so the help's advice stays true.
    [Theory]
    [InlineData("Continue", "gate|open")]
    [InlineData("Stop", null)]
    public void An_argument_refused_at_binding_ends_the_script_only_with_the_Stop_preference(string preference, string? lastLine)
    {
        var run = Pwsh.Run($$"""
            $ErrorActionPreference = '{{preference}}'
            Import-Module ./out/KmsSignature/KmsSignature.psd1
            $tokens = Get-Content ./tests/fixtures/tokens/es256-p256.jwt
            if (-not ($tokens | Test-KmsSignature -TrustStore ./tests/fixtures -Audience $env:KMSSIG_TEST_UNSET_AUDIENCE -Quiet)) { 'gate|closed'; exit 3 }
            'gate|open'
            exit 0
            """,
            new Dictionary<string, string> { ["TEST_WORK"] = work },
            TimeSpan.FromMinutes(2));

        Assert.Contains("Cannot validate argument on parameter 'Audience'", run.Error + run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("gate|closed", run.Output, StringComparison.Ordinal);
        if (lastLine is null)
        {
            Assert.True(run.ExitCode == 1, run.ToString());
            Assert.DoesNotContain("gate|open", run.Output, StringComparison.Ordinal);
        }
        else
        {
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Contains(lastLine, run.Output, StringComparison.Ordinal);
        }
    }
}
