using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests;

/// <summary>
/// Output of pwsh's own cmdlets, which the hosted engine lacks, piped into Test-KmsSignature in a real pwsh (offline:
/// the token fixtures and their keys).
/// </summary>
public sealed class PipelineInputInPwshTests : IDisposable
{
    private readonly string work = Directory.CreateTempSubdirectory("kmssig-pwsh-input-").FullName;

    public void Dispose() => Directory.Delete(work, recursive: true);

    // A match's Path is the file searched, not a file to verify: each matched line used to be taken for tokens.txt
    // itself, to be checked against a tokens.txt.sig that does not exist.
    [Fact]
    public void Select_String_matches_are_verified_as_the_tokens_on_their_lines()
    {
        File.WriteAllLines(Path.Combine(work, "tokens.txt"),
        [
            "# tokens issued today",
            File.ReadAllText(Path.Combine(RepoPaths.Fixtures, "tokens", "es256-p256.jwt")).Trim(),
            File.ReadAllText(Path.Combine(RepoPaths.Fixtures, "tokens", "es256-expired.jwt")).Trim(),
        ]);

        // Also as they come back from Export-Clixml/Import-Clixml (or a job, or a remote session): deserialized.
        var run = Pwsh.Run("""
            $ErrorActionPreference = 'Stop'
            Import-Module ./out/KmsSignature/KmsSignature.psd1
            $found = Select-String -LiteralPath (Join-Path $env:TEST_WORK tokens.txt) -Pattern '^eyJ'
            $found | Test-KmsSignature -TrustStore ./tests/fixtures/keys | ForEach-Object { "result|$($_.Status)" }
            $found | Export-Clixml -LiteralPath (Join-Path $env:TEST_WORK matches.xml)
            Import-Clixml -LiteralPath (Join-Path $env:TEST_WORK matches.xml) |
                Test-KmsSignature -TrustStore ./tests/fixtures/keys | ForEach-Object { "result|$($_.Status)" }
            """,
            new Dictionary<string, string> { ["TEST_WORK"] = work },
            TimeSpan.FromMinutes(2));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(["Valid", "Expired", "Valid", "Expired"], run.Output.Split('\n').Where(l => l.StartsWith("result|", StringComparison.Ordinal)).Select(l => l["result|".Length..].Trim()));
    }
}
