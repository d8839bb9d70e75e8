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

    // A mistyped -ProfileLocation was read as an empty credentials file beside the SDK's "config" file in the same folder, so a
    // profile named there (a region only) was reported as "AWS profile 'p' in '<missing file>' exists but holds no credentials".
    [Fact]
    public void A_ProfileLocation_that_does_not_exist_is_a_ProfileFileNotFound_error()
    {
        var dir = Directory.CreateTempSubdirectory("kmssig-profile-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "config"), "[profile rehearsal]\nregion = us-east-1\n");
            var missing = Path.Combine(dir, "credentails");
            using var session = fixture.NewSession();
            var calls = fixture.Kms.Counters.Total;
            var result = session.Run("Get-KmsSigningKey -KeyId alias/x -ProfileName rehearsal -ProfileLocation $f -EndpointUrl $kmsEndpoint -Region $kmsRegion",
                new Dictionary<string, object?> { ["f"] = missing });
            Assert.Equal("KmsSignature.ProfileFileNotFound", Id(result));
            Assert.Equal(System.Management.Automation.ErrorCategory.ObjectNotFound, result.Errors[0].CategoryInfo.Category);
            Assert.Equal(missing, result.Errors[0].TargetObject);
            Assert.DoesNotContain("exists", result.Errors[0].Exception.Message);
            Assert.Equal(calls, fixture.Kms.Counters.Total);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    // Env:\credentials resolved to the bare name "credentials", so a credentials file of that name in the process's
    // working directory would have been read instead.
    [Fact]
    public void A_ProfileLocation_of_another_provider_is_a_NotAFileSystemPath_error()
    {
        using var session = fixture.NewSession();
        var result = session.Run("Get-KmsSigningKey -KeyId alias/x -ProfileName p -ProfileLocation Env:\\credentials -EndpointUrl $kmsEndpoint -Region $kmsRegion");
        Assert.Equal("KmsSignature.NotAFileSystemPath", Id(result));
        Assert.Equal(System.Management.Automation.ErrorCategory.InvalidArgument, result.Errors[0].CategoryInfo.Category);
        Assert.Equal("Env:\\credentials", result.Errors[0].TargetObject);
    }

    [Fact]
    public void An_EndpointUrl_without_a_scheme_is_an_InvalidEndpoint_error()
    {
        using var session = fixture.NewSession();
        var result = session.Run("Get-KmsSigningKey -KeyId alias/x -EndpointUrl ('127.0.0.1:' + ([uri]$kmsEndpoint).Port) -Region $kmsRegion -Credential $kmsAdmin.Credential");
        Assert.Equal("KmsSignature.InvalidEndpoint", Id(result));
        Assert.Equal(System.Management.Automation.ErrorCategory.InvalidArgument, result.Errors[0].CategoryInfo.Category);
    }

    // https:// to LocalKms (plain HTTP) said only "Cannot determine the frame size or a corrupted frame was received".
    [Fact]
    public void An_https_EndpointUrl_to_a_plain_http_endpoint_says_TLS_failed_and_to_use_http()
    {
        using var session = fixture.NewSession();
        var result = session.Run("Get-KmsSigningKey -KeyId alias/x -EndpointUrl ('https://127.0.0.1:' + ([uri]$kmsEndpoint).Port + '/') -Region $kmsRegion -Credential $kmsAdmin.Credential");
        var error = Assert.Single(result.Errors);
        Assert.Equal("KmsSignature.KmsEndpointUnreachable", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(System.Management.Automation.ErrorCategory.ConnectionError, error.CategoryInfo.Category);
        Assert.Contains($"could not set up TLS with https://127.0.0.1:{fixture.Kms.Endpoint.Port}/", error.Exception.Message);
        Assert.Contains("http://", error.ErrorDetails?.RecommendedAction ?? string.Empty);
        Assert.Equal("alias/x", error.TargetObject);
    }

    // Plain HTTP is allowed (LocalKms in a container on another host needs it) but must not go unnoticed. Invalid key ids fail
    // in Core after the connection is built and before any request, so the test needs no network and no name resolution.
    [Fact]
    public void A_plain_http_EndpointUrl_to_a_host_that_is_not_loopback_warns_once_per_command()
    {
        using var session = fixture.NewSession();
        var result = session.Run("'not-a-key-id', 'not-one-either' | Get-KmsSigningKey -EndpointUrl http://kms.example.invalid:4566/ -Region $kmsRegion -Credential $kmsAdmin.Credential");
        Assert.Equal(2, result.Errors.Count);
        Assert.All(result.Errors, e => Assert.Equal("KmsSignature.InvalidKeyIdentifier", e.FullyQualifiedErrorId.Split(',')[0]));
        var warning = Assert.Single(result.Warnings);
        Assert.Contains("http://kms.example.invalid:4566/", warning);
        Assert.Contains("https://", warning);

        // LocalKms over loopback, and an https:// endpoint anywhere, say nothing.
        var local = session.Run("Get-KmsSigningKey -KeyId alias/none-such @kmsAdmin");
        Assert.Equal("KmsSignature.KmsNotFound", Id(local));
        Assert.Empty(local.Warnings);
        var https = session.Run("Get-KmsSigningKey -KeyId not-a-key-id -EndpointUrl https://kms.example.invalid/ -Region $kmsRegion -Credential $kmsAdmin.Credential");
        Assert.Equal("KmsSignature.InvalidKeyIdentifier", Id(https));
        Assert.Empty(https.Warnings);
    }

    // Credentials a profile makes by calling out (STS for assume-role, the SSO token cache, a credential_process) can fail
    // before any KMS call: that must not read as "KMS could not be reached" or a generic KMS failure.
    [Theory]
    [InlineData("role", "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n[role]\nrole_arn = arn:aws:iam::111122223333:role/x\nsource_profile = base\nsts_regional_endpoints = regional\n", "")]
    [InlineData("sso", "[sso]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 111122223333\nsso_role_name = r\n", "aws sso login --profile sso")]
    [InlineData("proc", "[proc]\ncredential_process = /bin/false\n", "")]
    public void A_profile_whose_credentials_cannot_be_obtained_says_so(string profile, string file, string advice)
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, file);
            using var session = fixture.NewSession();
            var result = session.Run("Get-KmsSigningKey -KeyId alias/x -ProfileName $p -ProfileLocation $f -EndpointUrl $kmsEndpoint -Region $kmsRegion",
                new Dictionary<string, object?> { ["p"] = profile, ["f"] = path });
            Assert.Equal("KmsSignature.CredentialsUnavailable", Id(result));
            var error = result.Errors[0];
            Assert.Equal(System.Management.Automation.ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
            Assert.Contains($"profile '{profile}'", error.Exception.Message);
            Assert.DoesNotContain(fixture.Kms.Endpoint.ToString(), error.Exception.Message);
            Assert.Contains(advice, error.ErrorDetails?.RecommendedAction ?? string.Empty);
            // It ends the run, as an unreachable endpoint does: its target is the item it failed for, not nothing.
            Assert.Equal("alias/x", error.TargetObject);
        }
        finally
        {
            File.Delete(path);
        }
    }

    // A PSCredential has no room for a session token: temporary STS keys must be refused with advice, not sent to KMS without it.
    [Fact]
    public void A_PSCredential_with_a_temporary_access_key_is_a_SessionTokenRequired_error()
    {
        using var session = fixture.NewSession();
        var calls = fixture.Kms.Counters.Total;
        var result = session.Run(
            "$c = [pscredential]::new('ASIAEXAMPLETEMPORARY', [System.Net.NetworkCredential]::new('', 'temporary-secret').SecurePassword); " +
            "Get-KmsSigningKey -KeyId alias/x -Credential $c -EndpointUrl $kmsEndpoint -Region $kmsRegion");
        var error = Assert.Single(result.Errors);
        Assert.Equal("KmsSignature.SessionTokenRequired", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(System.Management.Automation.ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal("ASIAEXAMPLETEMPORARY", error.TargetObject);
        Assert.DoesNotContain("temporary-secret", error.ToString());
        Assert.Contains("-SessionToken", error.ErrorDetails?.RecommendedAction ?? string.Empty);
        Assert.Equal(calls, fixture.Kms.Counters.Total); // refused before any call
    }

    // The error named -Credential, which the user had not passed: "-Credential takes a PSCredential ..., not a PSCredential".
    [Fact]
    public void A_StoredAWSCredentials_that_is_not_a_credential_is_named_in_the_error_and_a_PSCredential_there_is_used()
    {
        using var session = fixture.NewSession();
        var calls = fixture.Kms.Counters.Total;
        var result = session.Run("$StoredAWSCredentials = 'prod'; Get-KmsSigningKey -KeyId alias/x -EndpointUrl $kmsEndpoint -Region $kmsRegion");
        var error = Assert.Single(result.Errors);
        Assert.Equal("KmsSignature.UnsupportedCredential", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(System.Management.Automation.ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.StartsWith("$StoredAWSCredentials holds a System.String", error.Exception.Message);
        Assert.Contains("-ProfileName", error.ErrorDetails?.RecommendedAction ?? string.Empty);
        Assert.Equal(calls, fixture.Kms.Counters.Total);

        var withPSCredential = session.Run("$StoredAWSCredentials = $kmsAdmin.Credential; Get-KmsSigningKey -KeyId alias/none-such -EndpointUrl $kmsEndpoint -Region $kmsRegion");
        Assert.Equal("KmsSignature.KmsNotFound", Id(withPSCredential)); // reached KMS with those keys
    }

    // AWS.Tools' credentials (another AWSSDK.Core, so read by reflection) that fail to refresh (an SSO session that expired,
    // an assume-role refused) came back as "KMS DescribeKey failed: Exception has been thrown by the target of an
    // invocation.": KmsCallFailed, InvalidOperation, and the reason lost (found by helper s26c in a real pwsh).
    [Theory]
    [InlineData("-Credential $c", "-Credential")]
    [InlineData("", "$StoredAWSCredentials")]
    public void Foreign_credentials_that_fail_to_refresh_say_why(string parameter, string origin)
    {
        using var session = fixture.NewSession();
        var calls = fixture.Kms.Counters.Total;
        var result = session.Run(
            "$StoredAWSCredentials = $c; Get-KmsSigningKey -KeyId alias/x " + parameter + " -EndpointUrl $kmsEndpoint -Region $kmsRegion",
            new Dictionary<string, object?> { ["c"] = new ExpiredForeignCredentials() });
        var error = Assert.Single(result.Errors);
        Assert.Equal("KmsSignature.CredentialsUnavailable", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(System.Management.Automation.ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
        Assert.Contains(origin, error.Exception.Message);
        Assert.Contains(ExpiredForeignCredentials.Reason, error.Exception.Message);
        Assert.DoesNotContain("target of an invocation", error.Exception.Message);
        Assert.False(string.IsNullOrEmpty(error.ErrorDetails?.RecommendedAction));
        Assert.Equal(calls, fixture.Kms.Counters.Total);
    }

    // The test's AWSSDK.Core is in the default load context, the module's in its own: to the module this is AWS.Tools'.
    private sealed class ExpiredForeignCredentials : Amazon.Runtime.AWSCredentials
    {
        public const string Reason = "The SSO session associated with this profile has expired.";

        public override Amazon.Runtime.ImmutableCredentials GetCredentials() => throw new Amazon.Runtime.AmazonClientException(Reason);
    }

    // An unknown access key id came back as "The security token included in the request is invalid", with no advice.
    [Theory]
    [InlineData("AKIANOSUCHKEYEXAMPLE", "wrong", "KmsSignature.KmsUnrecognizedClient", "access key id")]
    [InlineData(null, "wrong", "KmsSignature.KmsInvalidSignature", "secret access key")]
    public void Refused_credentials_come_with_advice(string? accessKeyId, string secret, string errorId, string advice)
    {
        using var session = fixture.NewSession();
        var result = session.Run(
            "$c = [pscredential]::new($id, [System.Net.NetworkCredential]::new('', $secret).SecurePassword); " +
            "Get-KmsSigningKey -KeyId alias/x -Credential $c -EndpointUrl $kmsEndpoint -Region $kmsRegion",
            new Dictionary<string, object?> { ["id"] = accessKeyId ?? fixture.Kms.Admin.AccessKeyId, ["secret"] = secret });
        var error = Assert.Single(result.Errors);
        Assert.Equal(errorId, error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(System.Management.Automation.ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
        Assert.Contains(advice, error.ErrorDetails?.RecommendedAction ?? string.Empty);
        Assert.DoesNotContain(secret, error.ErrorDetails?.RecommendedAction ?? string.Empty);
    }

    // Every later item would be refused the same way: the first refusal ends a piped run, with the item as its target.
    [Fact]
    public void Refused_credentials_end_a_piped_run_at_the_first_item()
    {
        using var session = fixture.NewSession();
        var result = session.Run(
            "$c = [pscredential]::new($id, [System.Net.NetworkCredential]::new('', 'wrong').SecurePassword); " +
            "try { 'alias/a', 'alias/b', 'alias/c' | Get-KmsSigningKey -Credential $c -EndpointUrl $kmsEndpoint -Region $kmsRegion } catch { $_ }",
            new Dictionary<string, object?> { ["id"] = fixture.Kms.Admin.AccessKeyId });

        Assert.Empty(result.Errors); // nothing non-terminating: the one error was caught as terminating
        var error = Assert.IsType<System.Management.Automation.ErrorRecord>(Assert.Single(result.Output).BaseObject);
        Assert.StartsWith("KmsSignature.KmsInvalidSignature", error.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
        Assert.Equal("alias/a", error.TargetObject);
    }

    // Fixing a wrong key in the credentials file must take effect on the next command, not after restarting PowerShell.
    [Fact]
    public void An_edited_profile_is_read_again_by_the_next_command()
    {
        var dir = ProfileDirectory("edited");
        var file = Path.Combine(dir, "credentials");
        var admin = fixture.Kms.Admin;
        try
        {
            File.WriteAllText(file, $"[edited]\naws_access_key_id = {admin.AccessKeyId}\naws_secret_access_key = not-the-secret\n");
            using var session = fixture.NewSession();
            const string Script = "Get-KmsSigningKey -KeyId alias/none-such -ProfileName edited -ProfileLocation $f -EndpointUrl $kmsEndpoint -Region $kmsRegion";
            var variables = new Dictionary<string, object?> { ["f"] = file };
            Assert.Equal("KmsSignature.KmsInvalidSignature", Id(session.Run(Script, variables)));

            File.WriteAllText(file, $"[edited]\naws_access_key_id = {admin.AccessKeyId}\naws_secret_access_key = {admin.SecretAccessKey}\n");
            Assert.Equal("KmsSignature.KmsNotFound", Id(session.Run(Script, variables)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
