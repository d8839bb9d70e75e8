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

    // The quote ended the suggested command's string: copied and run, the rest of the URL ran as PowerShell.
    [Theory]
    [InlineData("https://example.com/a';Remove-Item ~;'", false, "Invoke-WebRequest 'https://example.com/a'';Remove-Item ~;''' -OutFile file")]
    [InlineData("s3://bucket/a';Remove-Item ~;'", false, "aws s3 cp 's3://bucket/a'';Remove-Item ~;''' file")]
    [InlineData("s3://bucket/a';Remove-Item ~;'", true, "aws s3 cp file 's3://bucket/a'';Remove-Item ~;''')")]
    public void A_quote_in_the_URL_stays_inside_the_suggested_command_string(string location, bool writing, string command)
    {
        Assert.True(UrlPath.IsUrl(location, out var url));
        Assert.Contains(command, UrlPath.Refused(location, url, writing).Message);
    }

    // The URL's text went to the terminal raw in the advice (the quoted location was already escaped).
    [Theory]
    [InlineData("https://example.com/a\u001b[2Kb.pem")]
    [InlineData("s3://bucket/a\u001b[2Kb.pem")]
    [InlineData("file:///tmp/a\u001b[2Kb.pem")]
    public void Control_characters_of_the_URL_are_escaped_in_the_advice(string location)
    {
        Assert.True(UrlPath.IsUrl(location, out var url));
        foreach (var writing in new[] { false, true })
        {
            var message = UrlPath.Refused(location, url, writing).Message;
            Assert.DoesNotContain('\u001b', message);
            Assert.Contains(@"\u001B[2Kb.pem", message);
        }
    }

    // Unquoted in the suggested command, '|' piped the download into a command named after the rest, '>' redirected it,
    // ',' made an array and a leading '@' splatted.
    [Theory]
    [InlineData("https://example.com/a%7Cb.json")]
    [InlineData("https://example.com/a%3Eb.json")]
    [InlineData("https://example.com/a&b.json")]
    [InlineData("https://example.com/a,b.json")]
    [InlineData("https://example.com/jwks(1).json")]
    [InlineData("https://example.com/a%7Bb%7D.json")]
    [InlineData("https://example.com/@a.json")]
    [InlineData("https://example.com/-a.json")]
    public void A_file_name_PowerShell_would_not_read_as_one_word_is_not_put_in_the_suggested_command(string location)
    {
        Assert.True(UrlPath.IsUrl(location, out var url));
        Assert.EndsWith("-OutFile jwks.json) and give the file.", UrlPath.DownloadAdvice(url, "jwks.json"));
    }

    [Theory]
    [InlineData("https://example.com/signing-2024_v2.jwks.json", "signing-2024_v2.jwks.json")]
    [InlineData("https://example.com/schl%C3%BCssel.json", "schlüssel.json")]
    public void A_plain_file_name_is_kept_in_the_suggested_command(string location, string name)
    {
        Assert.True(UrlPath.IsUrl(location, out var url));
        Assert.EndsWith($"-OutFile {name}) and give the file.", UrlPath.DownloadAdvice(url, "jwks.json"));
    }

    // Errors reach logs and transcripts: a password, or a token given as user name, is not shown, nor kept as the target.
    [Theory]
    [InlineData("https://alice:s3cret@example.com/jwks.json", "https://***@example.com/jwks.json", false)]
    [InlineData("https://ghp_s3cret@example.com/jwks.json", "https://***@example.com/jwks.json", false)]
    [InlineData("https://alice:s3cret@example.com", "https://***@example.com", false)]
    [InlineData("https://alice:s3%40cret@[::1]:8443/jwks.json?a=b", "https://***@[::1]:8443/jwks.json?a=b", false)]
    [InlineData("s3://alice:s3cret@bucket/jwks.json", "s3://***@bucket/jwks.json", false)]
    [InlineData("s3://alice:s3cret@bucket/jwks.json", "s3://***@bucket/jwks.json", true)]
    public void User_info_in_the_URL_is_not_shown(string location, string shown, bool writing)
    {
        Assert.True(UrlPath.IsUrl(location, out var url));

        var refused = UrlPath.Refused(location, url, writing);

        Assert.DoesNotContain("s3cret", refused.Message);
        Assert.Contains($"'{shown}'", refused.Message);
        Assert.Equal(shown, refused.Target);
    }

    [Fact]
    public void A_URL_without_user_info_is_shown_as_given()
    {
        Assert.True(UrlPath.IsUrl("https://example.com/a@b.json?x=@y", out var url));
        Assert.Equal("https://example.com/a@b.json?x=@y", UrlPath.Refused(url.OriginalString, url, writing: false).Target);
    }
}
