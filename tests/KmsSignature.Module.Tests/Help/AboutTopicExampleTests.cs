using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests.Help;

/// <summary>
/// The EXAMPLES of about_KmsSignature run against LocalKms, each in a work directory holding the files its text
/// names, and what they verify is Valid. One change to the text: the last example's LocalKms endpoint is the test's
/// (LocalKms here listens on a free port, not 4566), and Get-Credential answers with LocalKms's admin access key.
/// </summary>
public sealed class AboutTopicExampleTests(LocalKmsFixture fixture) : IClassFixture<LocalKmsFixture>
{
    private const string Shims = """
        function Resolve-AboutPath([string] $Path) { $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Path) }
        function Get-Content([string] $Path) { [IO.File]::ReadAllLines((Resolve-AboutPath $Path)) }
        function Get-ChildItem([string] $Path) {
            $full = Resolve-AboutPath $Path
            [IO.DirectoryInfo]::new([IO.Path]::GetDirectoryName($full)).GetFiles([IO.Path]::GetFileName($full))
        }
        function Get-Credential { $kmsAdmin.Credential }
        """;

    // The files the examples name: tokens.txt and jwks.json, release/*.zip with their .sig files and signer.pem.
    private const string Files = """
        $key = New-KmsSigningKey -Alias "about-examples-$([Guid]::NewGuid())" @kmsAdmin
        $key | Export-KmsPublicKeyPem -Format Jwks -Path jwks.json @kmsAdmin
        $key | Export-KmsPublicKeyPem -Path signer.pem @kmsAdmin
        [IO.File]::WriteAllLines((Resolve-AboutPath tokens.txt), [string[]]@(1..2 | ForEach-Object {
            (New-KmsSignedJwt -KeyId $key.Arn -Issuer https://issuer -Subject "user-$_" @kmsAdmin).Token }))
        $null = [IO.Directory]::CreateDirectory((Resolve-AboutPath release))
        'a.zip', 'b.zip' | ForEach-Object { [IO.File]::WriteAllText((Resolve-AboutPath "release/$_"), $_) }
        $null = New-KmsSignature -Path (Resolve-AboutPath 'release/*.zip') -KeyId $key.Arn @kmsAdmin
        """;

    [Fact]
    public void About_topic_examples_run_and_what_they_verify_is_valid()
    {
        var examples = Examples(File.ReadAllLines(Path.Combine(RepoPaths.Root, "module", "en-US", "about_KmsSignature.help.txt")));
        Assert.Equal(3, examples.Count);

        using var session = fixture.NewSession();
        session.Run(Shims).AssertSuccess();
        foreach (var example in examples)
        {
            var code = example.Replace("'http://127.0.0.1:4566'", "$kmsEndpoint", StringComparison.Ordinal);
            var work = Directory.CreateTempSubdirectory("kms-about-example-").FullName;
            try
            {
                session.Run("$ExecutionContext.SessionState.Path.SetLocation($work) | Out-Null\n" + Files, new Dictionary<string, object?> { ["work"] = work })
                    .AssertSuccess();
                var result = session.Run(code);
                Assert.True(result.Terminating is null && result.Errors.Count == 0,
                    "about_KmsSignature example failed:\n" + example + "\n" + string.Join("\n", result.Errors.Select(e => $"{e.FullyQualifiedErrorId}: {e}").Prepend(result.Terminating?.ToString() ?? string.Empty)));
                Assert.NotEmpty(result.Output);
                Assert.All(result.Output, o => Assert.Equal("Valid", o.Properties["Status"]?.Value?.ToString()));
            }
            finally
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }

    /// <summary>The code blocks (indented eight spaces) between EXAMPLES and the next heading.</summary>
    private static List<string> Examples(string[] lines)
    {
        var start = Array.IndexOf(lines, "EXAMPLES");
        var end = Array.FindIndex(lines, start + 1, l => l.Length > 0 && !char.IsWhiteSpace(l[0]));
        var examples = new List<string>();
        var block = new List<string>();
        for (var i = start + 1; i <= end; i++)
        {
            if (i < end && lines[i].StartsWith("        ", StringComparison.Ordinal))
            {
                block.Add(lines[i][8..]);
            }
            else if (block.Count > 0)
            {
                examples.Add(string.Join("\n", block));
                block.Clear();
            }
        }

        return examples;
    }
}
