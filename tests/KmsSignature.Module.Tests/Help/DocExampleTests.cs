using KmsSignature.LocalKms;
using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests.Help;

/// <summary>
/// Every example in docs/&lt;Cmdlet&gt;.md runs as written against LocalKms, each in a work directory of its own holding
/// the files and keys its text names, and what it verifies is Valid. The hosted engine has only the Core cmdlets, so
/// the few others the examples use are small functions here; Format-List and Select-Object fail on a property the
/// object lacks, so an example cannot name one that does not exist. Each doc gets its own LocalKms (in eu-west-1, the
/// Region the examples name) because the examples create and reuse the same aliases.
/// </summary>
public sealed class DocExampleTests
{
    private const string Shims = ScriptShims.FileCmdlets + "\n" + """
        function Get-DocProperty([object] $InputObject, [string[]] $Property) {
            foreach ($name in $Property) {
                if (-not $InputObject.PSObject.Properties[$name]) { throw "The example names the property '$name', which $($InputObject.GetType().Name) does not have." }
            }
            $InputObject
        }
        function Format-List { param([Parameter(Position = 0)] [string[]] $Property, [Parameter(ValueFromPipeline)] $InputObject) process { Get-DocProperty $InputObject $Property } }
        function Select-Object { param([Parameter(Position = 0)] [string[]] $Property, [Parameter(ValueFromPipeline)] $InputObject) process { Get-DocProperty $InputObject $Property } }
        function Invoke-RestMethod([string] $Uri, [hashtable] $Headers) {
            if ($Headers.Authorization -notmatch '^Bearer [\w-]+\.[\w-]+\.[\w-]+$') { throw "no bearer token: $($Headers.Authorization)" }
        }
        """;

    // The keys and files the examples name. A doc whose examples create the keys themselves gets only the files.
    private const string Keys = """
        $null = New-KmsSigningKey -Alias app-jwt -KeySpec ECC_NIST_P256
        $null = New-KmsSigningKey -Alias app-api -KeySpec ECC_NIST_P256
        $null = New-KmsSigningKey -Alias release-signing -KeySpec RSA_2048
        $null = New-KmsSigningKey -Alias release-jwt -KeySpec RSA_2048
        $null = New-KmsSigningKey -Alias release-p384 -KeySpec ECC_NIST_P384
        """;

    private const string Files = """
        $null = [IO.Directory]::CreateDirectory((Resolve-ShimPath release))
        [IO.File]::WriteAllText((Resolve-ShimPath release/app.zip), 'release 1.2.3')
        [IO.File]::WriteAllText((Resolve-ShimPath release/notes.txt), 'notes')
        [IO.File]::WriteAllText((Resolve-ShimPath app.zip), 'app 1.2.3')
        [IO.File]::WriteAllLines((Resolve-ShimPath users.csv), [string[]]('Id,Role', 'user-1,reader', 'user-2,admin'))
        """;

    // What the Test-KmsSignature examples verify: tokens, signed release files, an RSA-PSS signature, a DER-signed token.
    private const string VerificationInputs = """
        $null = [IO.Directory]::CreateDirectory((Resolve-ShimPath keys))
        Export-KmsPublicKeyPem -KeyId alias/app-jwt -Path signing-key.pem
        Export-KmsPublicKeyPem -KeyId alias/app-jwt -Path key.pem
        Get-KmsSigningKey -Alias alias/app-jwt, alias/release-p384 | Export-KmsPublicKeyPem -Format Jwks -Path keys/jwks.json
        1..2 | ForEach-Object { @{ sub = "user-$_" } } | New-KmsSignedJwt -KeyId alias/app-jwt -Issuer https://issuer.example -Audience my-api |
            ForEach-Object Token | Set-Content tokens.txt
        $null = Get-ChildItem ./release -File | New-KmsSignature -KeyId alias/release-p384 -Algorithm ECDSA_SHA_384
        $null = New-KmsSignature -Path app.zip -KeyId alias/release-signing -Algorithm RSASSA_PSS_SHA_256
        Export-KmsPublicKeyPem -KeyId alias/release-signing -Path key.pub.pem
        $tokens = Get-Content tokens.txt
        $token = New-KmsSignedJwt -KeyId alias/app-jwt -IssuedAt '2024-05-01T11:55:00Z' -NotBefore '2024-05-01T11:55:00Z' -Lifetime (New-TimeSpan -Minutes 15)
        $legacyToken = New-KmsSignedJwt -KeyId alias/app-jwt -SignatureFormat Der
        """;

    [Theory]
    [InlineData("Export-KmsPublicKeyPem")]
    [InlineData("Get-KmsSigningKey")]
    [InlineData("New-KmsSignature")]
    [InlineData("New-KmsSignedJwt")]
    [InlineData("New-KmsSigningKey")]
    [InlineData("Set-KmsSignerPolicy")]
    [InlineData("Test-KmsSignature")]
    public async Task Every_example_in_the_cmdlets_doc_runs_as_written(string cmdlet)
    {
        var examples = Examples(File.ReadAllLines(Path.Combine(RepoPaths.Root, "docs", cmdlet + ".md")));
        Assert.NotEmpty(examples);

        var fixture = LocalKmsFixture.With(new LocalKmsOptions { Region = "eu-west-1" });
        await fixture.InitializeAsync();
        try
        {
            using var session = fixture.NewSession();
            session.Run(Shims + """

                $PSDefaultParameterValues['*-Kms*:EndpointUrl'] = $kmsEndpoint
                $PSDefaultParameterValues['*-Kms*:Region'] = $kmsRegion
                $PSDefaultParameterValues['*-Kms*:Credential'] = $kmsAdmin.Credential
                """).AssertSuccess();
            if (cmdlet != "New-KmsSigningKey")
            {
                session.Run(Keys).AssertSuccess();
            }

            foreach (var (title, code) in examples)
            {
                var work = Directory.CreateTempSubdirectory("kms-doc-example-").FullName;
                try
                {
                    session.Run("$ExecutionContext.SessionState.Path.SetLocation($work) | Out-Null\n" + Files, new Dictionary<string, object?> { ["work"] = work }).AssertSuccess();
                    if (cmdlet == "Test-KmsSignature")
                    {
                        session.Run(VerificationInputs).AssertSuccess();
                    }

                    var result = session.Run(code);
                    var where = $"docs/{cmdlet}.md, {title}:\n{code}\n";
                    Assert.True(result.Terminating is null && result.Errors.Count == 0,
                        where + string.Join("\n", result.Errors.Select(e => $"{e.FullyQualifiedErrorId}: {e}").Prepend(result.Terminating?.ToString() ?? string.Empty)));
                    foreach (var output in result.Output)
                    {
                        if (output.BaseObject is bool quiet)
                        {
                            Assert.True(quiet, where + "-Quiet returned false");
                        }
                        else if (output.Properties["Status"]?.Value is { } status && output.Properties["IsValid"] is not null)
                        {
                            Assert.True(status.ToString() == "Valid", where + $"{status}: {output.Properties["Reason"]?.Value}");
                        }
                    }
                }
                finally
                {
                    Directory.Delete(work, recursive: true);
                }
            }
        }
        finally
        {
            await fixture.DisposeAsync();
        }
    }

    /// <summary>The code of each "### Example" under "## EXAMPLES", prompts (PS&gt;) removed.</summary>
    private static List<(string Title, string Code)> Examples(string[] lines)
    {
        var examples = new List<(string, string)>();
        var start = Array.IndexOf(lines, "## EXAMPLES");
        var end = Array.FindIndex(lines, start + 1, l => l.StartsWith("## ", StringComparison.Ordinal));
        string? title = null;
        for (var i = start + 1; i < end; i++)
        {
            if (lines[i].StartsWith("### ", StringComparison.Ordinal))
            {
                title = lines[i][4..];
            }
            else if (lines[i].Trim() == "```powershell" && title is not null)
            {
                var close = Array.FindIndex(lines, i + 1, l => l.Trim() == "```");
                var code = lines[(i + 1)..close].Select(l => l.StartsWith("PS> ", StringComparison.Ordinal) ? l[4..] : l);
                examples.Add((title, string.Join("\n", code)));
                i = close;
            }
        }

        return examples;
    }
}
