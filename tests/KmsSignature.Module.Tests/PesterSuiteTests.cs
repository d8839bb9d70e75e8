using System.Text.Json;
using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests;

/// <summary>
/// tests/Pester run by Pester in a real pwsh, as tests/Pester/README.md tells a user to run them: against LocalKms every
/// test runs and passes; without a KMS only the KMS contexts are skipped, through the documented ./build.ps1 -Task Pester.
/// </summary>
public sealed class PesterSuiteTests(LocalKmsFixture fixture) : IClassFixture<LocalKmsFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    private static int PesterFileCount => Directory.GetFiles(Path.Combine(RepoPaths.Root, "tests", "Pester"), "*.Tests.ps1").Length;

    [Fact]
    public void Against_LocalKms_every_Pester_test_runs_and_passes()
    {
        var summaryPath = Path.Combine(Path.GetTempPath(), $"kmssig-pester-{Guid.NewGuid():N}.json");
        try
        {
            // Steps 2 and 3 of tests/Pester/README.md, with Invoke-Pester's result object kept for the counts; in
            // strict mode, as ./build.ps1 -Task Pester runs them.
            var run = Pwsh.Run("""
                $ErrorActionPreference = 'Stop'
                Set-StrictMode -Version Latest
                Import-Module ./out/KmsSignature/KmsSignature.psd1
                $env:KMSSIGNATURE_TEST_KEY = (New-KmsSigningKey -Alias pester-signing -KeySpec ECC_NIST_P256 -UseExisting -EndpointUrl $env:KMSSIGNATURE_TEST_ENDPOINT).Arn
                Import-Module $env:PESTER_MANIFEST
                $config = New-PesterConfiguration
                $config.Run.Path = 'tests/Pester'
                $config.Run.PassThru = $true
                $config.Output.Verbosity = 'Detailed'
                $result = Invoke-Pester -Configuration $config
                [ordered]@{
                    Total = $result.TotalCount; Passed = $result.PassedCount; Failed = $result.FailedCount
                    Skipped = $result.SkippedCount; NotRun = $result.NotRunCount
                    FailedBlocks = $result.FailedBlocksCount; FailedContainers = $result.FailedContainersCount
                    Containers = @($result.Containers).Count
                    Failures = @($result.Failed | ForEach-Object { "$($_.ExpandedPath): $($_.ErrorRecord | Select-Object -First 1)" })
                    NotPassed = @($result.Tests | Where-Object Result -NE 'Passed' | ForEach-Object { "$($_.ExpandedPath): $($_.Result)" })
                } | ConvertTo-Json | Set-Content -LiteralPath $env:PESTER_SUMMARY_PATH
                """,
                new Dictionary<string, string>
                {
                    ["KMSSIGNATURE_TEST_ENDPOINT"] = fixture.Kms.Endpoint.ToString(),
                    ["AWS_ACCESS_KEY_ID"] = fixture.Kms.Admin.AccessKeyId,
                    ["AWS_SECRET_ACCESS_KEY"] = fixture.Kms.Admin.SecretAccessKey,
                    ["AWS_REGION"] = fixture.Kms.Region,
                    ["PESTER_SUMMARY_PATH"] = summaryPath,
                    ["PESTER_MANIFEST"] = Pwsh.PesterManifest,
                },
                Timeout);

            Assert.True(run.ExitCode == 0 && File.Exists(summaryPath), run.ToString());
            using var summary = JsonDocument.Parse(File.ReadAllText(summaryPath));
            int Count(string name) => summary.RootElement.GetProperty(name).GetInt32();
            string List(string name) => string.Join("\n", summary.RootElement.GetProperty(name).EnumerateArray().Select(e => e.GetString()));

            Assert.True(Count("Failed") == 0 && Count("FailedBlocks") == 0 && Count("FailedContainers") == 0,
                $"Failed:\n{List("Failures")}\n\n{run.Output}");
            Assert.True(Count("Passed") == Count("Total"), $"Not passed (skipped or not run):\n{List("NotPassed")}");
            Assert.Equal(PesterFileCount, Count("Containers"));
            Assert.True(Count("Total") >= 10 * PesterFileCount, $"Only {Count("Total")} tests were discovered.\n{run.Output}");
        }
        finally
        {
            File.Delete(summaryPath);
        }
    }

    // The README's command, with Pester installed where Get-Module -ListAvailable finds it; build.ps1 exits with the
    // count of failed tests (Run.Exit).
    [Fact]
    public void Without_a_KMS_build_ps1_Pester_skips_the_KMS_contexts_and_passes_the_rest()
    {
        var modules = Directory.CreateTempSubdirectory("kmssig-psmodules-").FullName;
        try
        {
            CopyDirectory(Path.GetDirectoryName(Pwsh.PesterManifest)!, Path.Combine(modules, "Pester", Pwsh.PesterVersion));
            var run = Pwsh.Run("""
                $PSStyle.OutputRendering = 'PlainText'
                ./build.ps1 -Task Pester
                exit $LASTEXITCODE
                """,
                new Dictionary<string, string> { ["PSModulePath"] = modules },
                Timeout);

            Assert.True(run.ExitCode == 0, run.ToString());
            var totals = System.Text.RegularExpressions.Regex.Match(run.Output, @"Tests Passed: (\d+), Failed: (\d+), Skipped: (\d+)");
            Assert.True(totals.Success, run.ToString());
            Assert.Equal(0, int.Parse(totals.Groups[2].Value));
            Assert.True(int.Parse(totals.Groups[1].Value) > 0 && int.Parse(totals.Groups[3].Value) > 0, run.Output);
        }
        finally
        {
            Directory.Delete(modules, recursive: true);
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(dir.Replace(from, to, StringComparison.Ordinal));
        }

        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, file.Replace(from, to, StringComparison.Ordinal));
        }
    }
}
