using KmsSignature.Core.Files;

namespace KmsSignature.Core.Tests.Files;

public sealed class UrlPathTests
{
    [Theory]
    [InlineData("https://example.com/key.pem", true)]
    [InlineData("s3://bucket/key.pem", true)]
    [InlineData("file:///tmp/key.pem", true)]
    [InlineData("C://keys/key.pem", false)] // a Windows drive letter
    [InlineData("keys/key.pem", false)]
    [InlineData("Env:credentials", false)]
    [InlineData("odd name://x", false)]
    public void IsUrl_tells_a_url_from_a_path(string location, bool isUrl) =>
        Assert.Equal(isUrl, UrlPath.IsUrl(location, out _));

    [Fact]
    public void A_file_name_that_would_break_the_suggested_command_is_not_put_in_it()
    {
        Assert.True(UrlPath.IsUrl("https://example.com/a%27%3Bb", out var url));
        Assert.Equal("Download it first (Invoke-WebRequest 'https://example.com/a%27%3Bb' -OutFile file) and give the file.",
            UrlPath.DownloadAdvice(url, "file"));
    }
}
