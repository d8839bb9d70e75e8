using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests;

/// <summary>examples/quickstart.ps1 against LocalKms, as the demo runs it and as a runbook is run again.</summary>
public sealed class QuickstartExampleTests(LocalKmsFixture fixture) : IClassFixture<LocalKmsFixture>, IDisposable
{
    private readonly string work = Directory.CreateTempSubdirectory("kmssig-quickstart-").FullName;

    public void Dispose() => Directory.Delete(work, recursive: true);

    // Its keys are idempotent (-UseExisting) and its default work directory outlives a run, so a second run finds
    // the first run's .sig files beside the release files: they must not be signed as release files themselves.
    [Fact]
    public void Quickstart_runs_again_in_the_same_work_directory()
    {
        using var session = fixture.NewSession();
        var vars = new Dictionary<string, object?>
        {
            ["script"] = Path.Combine(RepoPaths.Root, "examples", "quickstart.ps1"),
            ["work"] = work,
        };
        const string Run = "& $script -EndpointUrl $kmsEndpoint -Region $kmsRegion -AdminCredential $kmsAdmin.Credential " +
            "-SignerCredential $kmsSigner.Credential -VerifierCredential $kmsVerifier.Credential " +
            "-SignerPrincipal $signerArn -VerifierPrincipal $verifierArn -WorkDirectory $work";

        session.Run(Run, vars).AssertSuccess();
        session.Run(Run, vars).AssertSuccess();

        Assert.Equal(["app.bin.sig", "config.json.sig", "notes.txt.sig"],
            Directory.GetFiles(Path.Combine(work, "release"), "*.sig").Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }
}
