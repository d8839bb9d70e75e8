using KmsSignature.Core.Kms;

namespace KmsSignature.Core.Tests.Kms;

public sealed class CleartextEndpointWarningTests
{
    [Theory]
    [InlineData("http://localhost:4566/")]
    [InlineData("http://LocalHost./")]
    [InlineData("http://127.0.0.1:4566/")]
    [InlineData("http://127.8.9.10/")]
    [InlineData("http://[::1]:4566/")]
    [InlineData("https://kms.eu-west-1.amazonaws.com")]
    [InlineData("https://10.0.0.5:8443/")]
    [InlineData("https://localhost/")]
    public void Loopback_and_https_endpoints_get_no_warning(string endpoint) =>
        Assert.Null(new AwsConnectionOptions { EndpointUrl = new Uri(endpoint) }.CleartextEndpointWarning());

    [Fact]
    public void No_endpoint_gets_no_warning() => Assert.Null(new AwsConnectionOptions { Region = "eu-west-1" }.CleartextEndpointWarning());

    [Theory]
    [InlineData("http://localkms:4566/")]
    [InlineData("http://kms.eu-west-1.amazonaws.com/")]
    [InlineData("http://10.0.0.5:4566/")]
    [InlineData("http://[fd00::5]:4566/")]
    [InlineData("http://localhost.example.com/")]
    [InlineData("http://127.0.0.1.nip.io/")]
    public void Plain_http_to_another_host_is_warned_about(string endpoint)
    {
        var warning = new AwsConnectionOptions { EndpointUrl = new Uri(endpoint) }.CleartextEndpointWarning();
        Assert.NotNull(warning);
        Assert.Contains(new Uri(endpoint).ToString(), warning);
        Assert.Contains("https://", warning);
    }

    [Fact]
    public void The_warning_never_shows_user_info() =>
        Assert.DoesNotContain("secret", new AwsConnectionOptions { EndpointUrl = new Uri("http://user:secret@kms.internal/") }.CleartextEndpointWarning());
}
