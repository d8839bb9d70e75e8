using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests;

/// <summary>
/// The README's tour by example runs as written against LocalKms, block after block in one session, and what it
/// signs verifies: the commands bind, and the tour's own tokens and files pass its own checks. The hosted engine has
/// only the Core cmdlets, so the few others the tour uses (Get-Content, Set-Content, Import-Csv, Get-ChildItem,
/// New-TimeSpan) are ScriptShims' functions; the connection comes from $PSDefaultParameterValues.
/// </summary>
public sealed class ReadmeTourTests(LocalKmsFixture fixture) : IClassFixture<LocalKmsFixture>
{
    private const string Shims = ScriptShims.FileCmdlets;

    [Fact]
    public void Readme_tour_runs_as_written_and_everything_it_signs_verifies()
    {
        var blocks = PowerShellBlocks(File.ReadAllLines(Path.Combine(RepoPaths.Root, "README.md")))
            .Where(b => !b.TrimStart().StartsWith("Import-Module", StringComparison.Ordinal)) // the module is imported already
            .ToList();
        Assert.True(blocks.Count >= 4, "the README has no tour blocks");
        var work = Directory.CreateTempSubdirectory("kms-tour-").FullName;
        Directory.CreateDirectory(Path.Combine(work, "release"));
        File.WriteAllText(Path.Combine(work, "release", "app.zip"), "release 1.2.3");
        File.WriteAllText(Path.Combine(work, "release", "notes.txt"), "notes");
        File.WriteAllLines(Path.Combine(work, "users.csv"), ["Id,Role", "user-1,reader", "user-2,admin", "user-3,reader"]);

        using var session = fixture.NewSession();
        session.Run(Shims + """

            $ExecutionContext.SessionState.Path.SetLocation($work) | Out-Null
            $PSDefaultParameterValues['*-Kms*:EndpointUrl'] = $kmsEndpoint
            $PSDefaultParameterValues['*-Kms*:Region'] = $kmsRegion
            $PSDefaultParameterValues['*-Kms*:Credential'] = $kmsAdmin.Credential
            """, new Dictionary<string, object?> { ["work"] = work }).AssertSuccess();

        ScriptResult last = null!;
        foreach (var block in blocks)
        {
            last = session.Run(block);
            Assert.True(last.Terminating is null && last.Errors.Count == 0,
                "README block failed:\n" + block + "\n" + string.Join("\n", last.Errors.Select(e => $"{e.FullyQualifiedErrorId}: {e}").Prepend(last.Terminating?.ToString() ?? string.Empty)));
        }

        // The last tour block verifies what the earlier ones signed: three tokens, two files, one token by key id.
        var statuses = last.Output.Select(o => $"{o.Properties["Status"]?.Value}: {o.Properties["Reason"]?.Value}").ToList();
        Assert.Equal(6, statuses.Count);
        Assert.All(statuses, s => Assert.StartsWith("Valid:", s, StringComparison.Ordinal));
        Directory.Delete(work, recursive: true);
    }

    // The same tour in a real pwsh, where Get-ChildItem, Get-Content and the rest are the real cmdlets (the shims above
    // only stand in for them): a filter they honour differently, or output that differs, shows here.
    [Fact]
    public void Readme_tour_runs_as_written_in_pwsh_and_everything_it_signs_verifies()
    {
        var work = Directory.CreateTempSubdirectory("kms-tour-pwsh-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(work, "release"));
            File.WriteAllText(Path.Combine(work, "release", "app.zip"), "release 1.2.3");
            File.WriteAllText(Path.Combine(work, "release", "notes.txt"), "notes");
            File.WriteAllLines(Path.Combine(work, "users.csv"), ["Id,Role", "user-1,reader", "user-2,admin", "user-3,reader"]);
            var blocks = PowerShellBlocks(File.ReadAllLines(Path.Combine(RepoPaths.Root, "README.md"))).ToList();
            for (var i = 0; i < blocks.Count; i++)
            {
                File.WriteAllText(Path.Combine(work, $"block-{i:00}.ps1"), blocks[i]);
            }

            // Each block dot-sourced in turn, as if typed into one shell; any error stops the run.
            var run = Pwsh.Run($$"""
                $ErrorActionPreference = 'Stop'
                Set-Location $env:TEST_WORK
                $PSDefaultParameterValues['*-Kms*:EndpointUrl'] = $env:TEST_ENDPOINT
                $PSDefaultParameterValues['*-Kms*:Region'] = $env:TEST_REGION
                $PSDefaultParameterValues['*-Kms*:Credential'] = [pscredential]::new($env:TEST_KEY, (ConvertTo-SecureString $env:TEST_SECRET -AsPlainText -Force))
                $blocks = @(Get-ChildItem -Filter 'block-*.ps1' | Sort-Object Name)
                foreach ($block in $blocks | Select-Object -SkipLast 1) { . $block.FullName }
                $last = @(. $blocks[-1].FullName)
                $last | ForEach-Object { "result|$($_.Status): $($_.Reason)" }
                """,
                new Dictionary<string, string>
                {
                    ["TEST_WORK"] = work,
                    ["TEST_ENDPOINT"] = fixture.Kms.Endpoint.ToString(),
                    ["TEST_REGION"] = fixture.Kms.Region,
                    ["TEST_KEY"] = fixture.Kms.Admin.AccessKeyId,
                    ["TEST_SECRET"] = fixture.Kms.Admin.SecretAccessKey,
                },
                TimeSpan.FromMinutes(5));

            Assert.True(run.ExitCode == 0, run.ToString());
            var statuses = run.Output.Split('\n').Where(l => l.StartsWith("result|", StringComparison.Ordinal)).Select(l => l["result|".Length..].Trim()).ToList();
            Assert.True(statuses.Count == 6, run.ToString());
            Assert.All(statuses, s => Assert.StartsWith("Valid:", s, StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static IEnumerable<string> PowerShellBlocks(string[] lines)
    {
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim() != "```powershell")
            {
                continue;
            }

            var end = Array.FindIndex(lines, i + 1, l => l.Trim() == "```");
            yield return string.Join("\n", lines[(i + 1)..end]);
            i = end;
        }
    }
}
