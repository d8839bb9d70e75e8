using KmsSignature.LocalKms;
using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests;

/// <summary>
/// Output of pwsh's own cmdlets, which the hosted engine lacks, piped into the signing cmdlets in a real pwsh against LocalKms.
/// </summary>
public sealed class SigningInputInPwshTests(LocalKmsFixture fixture) : IClassFixture<LocalKmsFixture>, IDisposable
{
    private readonly string work = Directory.CreateTempSubdirectory("kmssig-pwsh-signing-input-").FullName;

    public void Dispose() => Directory.Delete(work, recursive: true);

    private Dictionary<string, string> Environment(LocalKmsPrincipal principal) => new(fixture.PwshEnvironment(principal)) { ["TEST_WORK"] = work };

    // Resolve-Path's PathInfo names one file it already resolved; bound to -Path as text, a name with brackets was a
    // wildcard again: '[b].txt' signed b.txt (and wrote b.txt.sig), and '[c].txt' with no c.txt beside it was FileNotFound.
    [Fact]
    public void Resolve_Path_output_signs_the_files_it_names_even_with_brackets_in_their_names()
    {
        File.WriteAllText(Path.Combine(work, "[b].txt"), "bracketed");
        File.WriteAllText(Path.Combine(work, "b.txt"), "plain");
        File.WriteAllText(Path.Combine(work, "[c].txt"), "alone");

        var run = Pwsh.Run("""
            $ErrorActionPreference = 'Stop'
            Import-Module ./out/KmsSignature/KmsSignature.psd1
            $key = New-KmsSigningKey -Alias pwsh-resolve-path -KeySpec ECC_NIST_P256 -UseExisting -EndpointUrl $env:TEST_ENDPOINT
            Set-Location -LiteralPath $env:TEST_WORK
            Resolve-Path -LiteralPath '[b].txt', '[c].txt' | New-KmsSignature -KeyId $key.Arn -EndpointUrl $env:TEST_ENDPOINT |
                ForEach-Object { "signed|$(Split-Path -Leaf $_.Path)|$(Split-Path -Leaf $_.SignaturePath)" }
            New-KmsSignature -Path (Resolve-Path -LiteralPath '[b].txt') -KeyId $key.Arn -EndpointUrl $env:TEST_ENDPOINT -Force -WhatIf
            Get-ChildItem -File -Filter *.sig | ForEach-Object { "file|$($_.Name)" }
            Get-ChildItem -File -Filter '*].txt' | Test-KmsSignature -KeyId $key.Arn -EndpointUrl $env:TEST_ENDPOINT |
                ForEach-Object { "verified|$(Split-Path -Leaf $_.Path)|$($_.Status)" }
            """,
            Environment(fixture.Kms.Admin),
            TimeSpan.FromMinutes(2));

        Assert.True(run.ExitCode == 0, run.ToString());
        string[] Lines(string prefix) => run.Output.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith(prefix, StringComparison.Ordinal)).ToArray();
        Assert.Equal(["signed|[b].txt|[b].txt.sig", "signed|[c].txt|[c].txt.sig"], Lines("signed|"));
        Assert.Equal(["file|[b].txt.sig", "file|[c].txt.sig"], Lines("file|"));
        Assert.Equal(["verified|[b].txt|Valid", "verified|[c].txt|Valid"], Lines("verified|"));
        Assert.Contains(run.Output.Split('\n'), l => l.StartsWith("What if:", StringComparison.Ordinal) && l.Contains("[b].txt.sig", StringComparison.Ordinal));
    }
}
