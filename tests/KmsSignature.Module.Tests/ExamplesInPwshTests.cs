using KmsSignature.LocalKms;
using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests;

/// <summary>
/// The runbooks in examples/ as their help tells a user to run them: in a real pwsh with every built-in module (the
/// hosted-engine tests run them with only the Core cmdlets), against LocalKms, twice where they promise to be idempotent.
/// </summary>
public sealed class ExamplesInPwshTests(LocalKmsFixture fixture) : IClassFixture<LocalKmsFixture>, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);
    private readonly string work = Directory.CreateTempSubdirectory("kmssig-pwsh-examples-").FullName;

    public void Dispose() => Directory.Delete(work, recursive: true);

    // Credentials go to the child as environment variables and become PSCredentials there, as a user's would.
    private Dictionary<string, string> Environment()
    {
        var environment = new Dictionary<string, string>
        {
            ["TEST_ENDPOINT"] = fixture.Kms.Endpoint.ToString(),
            ["TEST_REGION"] = fixture.Kms.Region,
            ["TEST_SIGNER_ARN"] = fixture.Kms.Signer.Arn,
            ["TEST_VERIFIER_ARN"] = fixture.Kms.Verifier.Arn,
            ["TEST_WORK"] = work,
        };
        foreach (var (name, principal) in new (string, LocalKmsPrincipal)[] { ("ADMIN", fixture.Kms.Admin), ("SIGNER", fixture.Kms.Signer), ("VERIFIER", fixture.Kms.Verifier) })
        {
            environment[$"TEST_{name}_KEY"] = principal.AccessKeyId;
            environment[$"TEST_{name}_SECRET"] = principal.SecretAccessKey;
        }

        return environment;
    }

    private const string Credentials = """
        $ErrorActionPreference = 'Stop'
        function New-TestCredential([string] $Name) {
            [pscredential]::new((Get-Item "Env:TEST_${Name}_KEY").Value, (ConvertTo-SecureString (Get-Item "Env:TEST_${Name}_SECRET").Value -AsPlainText -Force))
        }
        Import-Module ./out/KmsSignature/KmsSignature.psd1

        """;

    [Fact]
    public void Quickstart_runs_in_pwsh_with_separate_signer_and_verifier_identities()
    {
        const string Script = Credentials + """
            $arguments = @{
                EndpointUrl = $env:TEST_ENDPOINT; Region = $env:TEST_REGION
                AdminCredential = New-TestCredential ADMIN; SignerCredential = New-TestCredential SIGNER
                VerifierCredential = New-TestCredential VERIFIER
                SignerPrincipal = $env:TEST_SIGNER_ARN; VerifierPrincipal = $env:TEST_VERIFIER_ARN
                WorkDirectory = Join-Path $env:TEST_WORK quickstart
            }
            ./examples/quickstart.ps1 @arguments
            ./examples/quickstart.ps1 @arguments
            """;

        var run = Pwsh.Run(Script, Environment(), Timeout);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(2, run.Output.Split('\n').Count(l => l.Trim() == "quickstart: every outcome was as expected."));
        Assert.Contains("New-KmsSignedJwt as the verifier: KmsSignature.KmsAccessDenied", run.Output);
    }

    [Fact]
    public void Keys_runbook_runs_in_pwsh_and_a_second_run_returns_the_same_keys()
    {
        const string Script = Credentials + """
            $arguments = @{
                EndpointUrl = $env:TEST_ENDPOINT; Region = $env:TEST_REGION; Credential = New-TestCredential ADMIN
                SignerPrincipal = $env:TEST_SIGNER_ARN; VerifierPrincipal = $env:TEST_VERIFIER_ARN
                OutputDirectory = Join-Path $env:TEST_WORK runbook
            }
            $first = ./examples/keys-runbook.ps1 @arguments
            $second = ./examples/keys-runbook.ps1 @arguments
            $first | ForEach-Object { "first|$($_.Alias)|$($_.KeySpec)|$($_.KeyId)" }
            $second | ForEach-Object { "second|$($_.Alias)|$($_.KeySpec)|$($_.KeyId)" }
            Get-ChildItem -LiteralPath (Join-Path $env:TEST_WORK runbook) -File | Sort-Object Name | ForEach-Object { "file|$($_.Name)" }
            """;

        var run = Pwsh.Run(Script, Environment(), Timeout);

        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.Output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var first = lines.Where(l => l.StartsWith("first|", StringComparison.Ordinal)).Select(l => l["first|".Length..]).ToArray();
        var second = lines.Where(l => l.StartsWith("second|", StringComparison.Ordinal)).Select(l => l["second|".Length..]).ToArray();
        Assert.Equal(["alias/runbook-rsa-4096|RSA_4096", "alias/runbook-ecc-nist-p256|ECC_NIST_P256"], first.Select(l => l[..l.LastIndexOf('|')]));
        Assert.Equal(first, second);
        Assert.Equal(["file|jwks.json", "file|runbook-ecc_nist_p256.pem", "file|runbook-rsa_4096.pem"], lines.Where(l => l.StartsWith("file|", StringComparison.Ordinal)));
    }

    [Fact]
    public void Verify_samples_runs_in_pwsh()
    {
        var run = Pwsh.Run("./examples/verify-samples.ps1 -ModulePath ./out/KmsSignature/KmsSignature.psd1", new Dictionary<string, string>(), Timeout);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("All samples verified as expected.", run.Output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)[^1]);
    }
}
