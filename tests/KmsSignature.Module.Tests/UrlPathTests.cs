using System.Management.Automation;
using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests;

/// <summary>A URL given where the module reads or writes a file: KmsSignature works on local files only, and says how to get one.</summary>
public sealed class UrlPathTests(LocalKmsFixture fixture) : IClassFixture<LocalKmsFixture>
{
    // PowerShell read "https:" or "s3:" as a drive: DriveNotFound ("Cannot find drive"), with "https" or "s3" as its target.
    [Theory]
    [InlineData("Export-KmsPublicKeyPem -KeyId alias/x -Path $u @kmsAdmin", "https://example.com/key.pem", "writes local files only")]
    [InlineData("Export-KmsPublicKeyPem -KeyId alias/x -Path $u @kmsAdmin", "s3://bucket/keys/key.pem", "aws s3 cp key.pem 's3://bucket/keys/key.pem'")]
    [InlineData("New-KmsSignature -KeyId alias/x -Message ([byte[]](1)) -Destination $u @kmsAdmin", "s3://bucket/x.sig", "aws s3 cp x.sig 's3://bucket/x.sig'")]
    [InlineData("New-KmsSignature -KeyId alias/x -LiteralPath $u @kmsAdmin", "https://example.com/app.zip", "Invoke-WebRequest 'https://example.com/app.zip' -OutFile app.zip")]
    [InlineData("Test-KmsSignature -Message ([byte[]](1)) -Signature ([byte[]](1)) -PublicKey $u", "https://example.com/key.pem", "Invoke-WebRequest 'https://example.com/key.pem' -OutFile key.pem")]
    [InlineData("Test-KmsSignature -Message ([byte[]](1)) -Signature ([byte[]](1)) -PublicKey $u", "s3://bucket/key.pem", "aws s3 cp 's3://bucket/key.pem' key.pem")]
    [InlineData("Test-KmsSignature -LiteralPath $u -PublicKey $pem", "https://example.com/app.zip", "reads local files only")]
    [InlineData("Test-KmsSignature -Path $u -PublicKey $pem", "s3://bucket/app.zip", "reads local files only")]
    [InlineData("Get-KmsSigningKey -KeyId alias/x -ProfileName p -ProfileLocation $u -EndpointUrl $kmsEndpoint -Region $kmsRegion", "https://example.com/credentials", "-OutFile credentials")]
    [InlineData("Get-KmsSigningKey -KeyId alias/x -ProfileLocation $u -EndpointUrl $kmsEndpoint -Region $kmsRegion", "file:///tmp/credentials", "Give the path itself: '/tmp/credentials'")]
    public void A_URL_given_as_a_path_is_PathIsUrl_saying_how_to_get_the_file(string script, string url, string advice)
    {
        using var session = fixture.NewSession();
        var result = session.Run(script, new Dictionary<string, object?>
        {
            ["u"] = url, ["pem"] = Path.Combine(RepoPaths.Fixtures, "keys", "ed25519.pem"),
        });

        var error = result.TerminatingRecord ?? Assert.Single(result.Errors);
        Assert.Equal("KmsSignature.PathIsUrl", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal(url, error.TargetObject);
        Assert.Contains("is a URL; KmsSignature", error.Exception.Message);
        Assert.Contains(advice, error.Exception.Message);
    }

    // s3:// was DriveNotFound: only http(s) was recognised as a URL.
    [Fact]
    public void An_s3_trust_store_is_TrustStoreIsUrl_saying_how_to_download_it()
    {
        using var session = fixture.NewSession();
        var result = session.Run("Test-KmsSignature -Token 'a.b.c' -TrustStore 's3://bucket/keys/jwks.json'");

        var error = result.TerminatingRecord ?? Assert.Single(result.Errors);
        Assert.Equal("KmsSignature.TrustStoreIsUrl", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal("s3://bucket/keys/jwks.json", error.TargetObject);
        Assert.Contains("aws s3 cp 's3://bucket/keys/jwks.json' jwks.json", error.Exception.Message);
    }

    // A drive of that name is a drive: s3:\x on it is a path, not a URL.
    [Fact]
    public void A_path_on_a_drive_named_like_a_scheme_is_still_a_path()
    {
        var dir = Directory.CreateTempSubdirectory("kmssig-drive").FullName;
        try
        {
            using var session = fixture.NewSession();
            var result = session.Run(
                "$fs = $ExecutionContext.SessionState.Provider.GetOne('FileSystem'); " +
                "$null = $ExecutionContext.SessionState.Drive.New([System.Management.Automation.PSDriveInfo]::new('s3', $fs, $d, '', $null), 'global'); " +
                "Test-KmsSignature -Message ([byte[]](1)) -Signature ([byte[]](1)) -PublicKey 's3://key.pem'",
                new Dictionary<string, object?> { ["d"] = dir });

            var error = result.TerminatingRecord ?? Assert.Single(result.Errors);
            Assert.Equal("KmsSignature.PublicKeyNotFound", error.FullyQualifiedErrorId.Split(',')[0]);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
