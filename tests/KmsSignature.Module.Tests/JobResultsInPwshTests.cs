using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests;

/// <summary>
/// Results received from Start-Job (out of process, so serialized one level deep, as Invoke-Command does)
/// show in the module's views as they do where they were made. A token's ExpiresAt, a DateTimeOffset, comes back as its text,
/// and the views' UtcDateTime of it was blank: the token table and the verification list had no expiry (found by helper s26c
/// in a real pwsh).
/// </summary>
public sealed class JobResultsInPwshTests(LocalKmsFixture fixture) : IClassFixture<LocalKmsFixture>
{
    [Fact]
    public void Token_and_verification_from_Start_Job_show_their_expiry()
    {
        var run = Pwsh.Run("""
            Import-Module ./out/KmsSignature/KmsSignature.psd1
            $job = Start-Job {
                Import-Module ./out/KmsSignature/KmsSignature.psd1
                $key = New-KmsSigningKey -Alias "job-view-$([Guid]::NewGuid())" -EndpointUrl $env:TEST_ENDPOINT
                $token = New-KmsSignedJwt -KeyId $key.Arn -Subject batch-job-42 -IssuedAt '2026-01-01T00:00:00Z' -Lifetime '00:15:00' -EndpointUrl $env:TEST_ENDPOINT
                $token
                $token | Test-KmsSignature -KeyId $key.Arn -EndpointUrl $env:TEST_ENDPOINT
            }
            $token, $result = $job | Wait-Job | Receive-Job
            $job | Remove-Job
            "status|$($result.Status)"
            $token | Format-Table | Out-String -Width 200 -Stream | Where-Object { $_ -like 'ES256 *' } | ForEach-Object { "table|$_" }
            $result | Format-List | Out-String -Width 200 -Stream | Where-Object { $_ -like 'ExpiresAt*' } | ForEach-Object { "list|$_" }
            """,
            fixture.PwshEnvironment(fixture.Kms.Admin),
            TimeSpan.FromMinutes(2));

        Assert.True(run.ExitCode == 0, run.ToString());
        string Line(string prefix) => Assert.Single(run.Output.Split('\n').Select(l => l.TrimEnd()), l => l.StartsWith(prefix, StringComparison.Ordinal));
        Assert.Equal("status|Expired", Line("status|"));
        Assert.Contains("2026-01-01 00:15:00Z", Line("table|"), StringComparison.Ordinal);
        Assert.Equal("list|ExpiresAt      : 2026-01-01 00:15:00Z", Line("list|"));
    }
}
