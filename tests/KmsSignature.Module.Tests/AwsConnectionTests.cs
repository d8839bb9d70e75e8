using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests;

/// <summary>The AWS common parameters as a user types them: paths, profiles, endpoints.</summary>
public sealed class AwsConnectionTests(LocalKmsFixture fixture) : IClassFixture<LocalKmsFixture>
{
    private static string Id(ScriptResult r) => Assert.Single(r.Errors).FullyQualifiedErrorId.Split(',')[0];

    private string ProfileDirectory(string profileName)
    {
        var dir = Directory.CreateTempSubdirectory("kmssig-profile").FullName;
        var admin = fixture.Kms.Admin;
        File.WriteAllText(Path.Combine(dir, "credentials"),
            $"[{profileName}]\naws_access_key_id = {admin.AccessKeyId}\naws_secret_access_key = {admin.SecretAccessKey}\n");
        return dir;
    }

    // The user's current location is PowerShell's $PWD, not the process's working directory.
    [Fact]
    public void A_relative_ProfileLocation_is_resolved_against_the_current_location()
    {
        var dir = ProfileDirectory("rehearsal");
        try
        {
            using var session = fixture.NewSession();
            var result = session.Run(
                "$null = $ExecutionContext.SessionState.Path.SetLocation($dir); " +
                "Get-KmsSigningKey -KeyId alias/none-such -ProfileName rehearsal -ProfileLocation ./credentials -EndpointUrl $kmsEndpoint -Region $kmsRegion",
                new Dictionary<string, object?> { ["dir"] = dir });
            Assert.Equal("KmsSignature.KmsNotFound", Id(result)); // reached KMS with the profile's keys
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void An_EndpointUrl_without_a_scheme_is_an_InvalidEndpoint_error()
    {
        using var session = fixture.NewSession();
        var result = session.Run("Get-KmsSigningKey -KeyId alias/x -EndpointUrl ('127.0.0.1:' + ([uri]$kmsEndpoint).Port) -Region $kmsRegion -Credential $kmsAdmin.Credential");
        Assert.Equal("KmsSignature.InvalidEndpoint", Id(result));
        Assert.Equal(System.Management.Automation.ErrorCategory.InvalidArgument, result.Errors[0].CategoryInfo.Category);
    }
}
