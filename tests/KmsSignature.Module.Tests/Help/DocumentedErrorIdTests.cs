using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests.Help;

/// <summary>
/// An error a user can provoke with a bad argument is named in that cmdlet's doc (its parameter or NOTES): the
/// ErrorId is what scripts catch and what people search the help for. Each case runs the cmdlet against LocalKms.
/// </summary>
public sealed class DocumentedErrorIdTests(LocalKmsFixture fixture) : IClassFixture<LocalKmsFixture>
{
    [Theory]
    [InlineData("New-KmsSigningKey", "KmsSignature.ReservedAliasName", "New-KmsSigningKey -Alias aws/reserved @kmsAdmin")]
    [InlineData("New-KmsSigningKey", "KmsSignature.InvalidKeySpec", "New-KmsSigningKey -Alias doc-errors-a -KeySpec SYMMETRIC_DEFAULT @kmsAdmin")]
    [InlineData("New-KmsSigningKey", "KmsSignature.WildcardPrincipal", "New-KmsSigningKey -Alias doc-errors-b -SignerPrincipal '*' @kmsAdmin")]
    [InlineData("New-KmsSigningKey", "KmsSignature.InvalidPrincipal", "New-KmsSigningKey -Alias doc-errors-c -VerifierPrincipal 'role/not-an-arn' @kmsAdmin")]
    [InlineData("New-KmsSigningKey", "KmsSignature.SigningAlgorithmWithoutSigner", "New-KmsSigningKey -Alias doc-errors-d -SigningAlgorithm ECDSA_SHA_256 @kmsAdmin")]
    [InlineData("Set-KmsSignerPolicy", "KmsSignature.WildcardPrincipal", "Set-KmsSignerPolicy -KeyId $key -SignerPrincipal '*' @kmsAdmin")]
    [InlineData("Set-KmsSignerPolicy", "KmsSignature.InvalidPrincipal", "Set-KmsSignerPolicy -KeyId $key -VerifierPrincipal 'role/not-an-arn' @kmsAdmin")]
    [InlineData("Set-KmsSignerPolicy", "KmsSignature.NothingToChange", "Set-KmsSignerPolicy -KeyId $key -Remove @kmsAdmin")]
    [InlineData("New-KmsSignedJwt", "KmsSignature.JwtIdConflict", "New-KmsSignedJwt -KeyId $key -JwtId a -NewJwtId @kmsAdmin")]
    [InlineData("New-KmsSignedJwt", "KmsSignature.InvalidLifetime", "New-KmsSignedJwt -KeyId $key -Lifetime 15 @kmsAdmin")]
    [InlineData("New-KmsSignedJwt", "KmsSignature.HeaderAlgNotAllowed", "New-KmsSignedJwt -KeyId $key -Header @{ alg = 'none' } @kmsAdmin")]
    [InlineData("Get-KmsSigningKey", "KmsSignature.AliasNotFound", "Get-KmsSigningKey -Alias doc-errors-none @kmsAdmin")]
    [InlineData("Export-KmsPublicKeyPem", "KmsSignature.AlgorithmDoesNotFitKey", "Export-KmsPublicKeyPem -KeyId $key -Algorithm PS256 @kmsAdmin")]
    [InlineData("Export-KmsPublicKeyPem", "KmsSignature.PathIsDirectory", "Export-KmsPublicKeyPem -KeyId $key -Path ([IO.Path]::GetTempPath()) @kmsAdmin")]
    [InlineData("Export-KmsPublicKeyPem", "KmsSignature.OutputNotWritable", "Export-KmsPublicKeyPem -KeyId $key -Path ([IO.Path]::Combine([IO.Path]::GetTempPath(), 'doc-errors-none', 'key.pem')) @kmsAdmin")]
    [InlineData("Test-KmsSignature", "KmsSignature.InputNotRecognized", "42 | Test-KmsSignature -KeyId $key @kmsAdmin")]
    [InlineData("New-KmsSignature", "KmsSignature.FileNotFound", "New-KmsSignature -Path ([IO.Path]::Combine([IO.Path]::GetTempPath(), 'doc-errors-none-*')) -KeyId $key @kmsAdmin")]
    [InlineData("New-KmsSignature", "KmsSignature.NotAFileSystemPath", "New-KmsSignature -Message ([byte[]](1, 2)) -Destination 'Variable:\\x' -KeyId $key @kmsAdmin")]
    [InlineData("Get-KmsSigningKey", "KmsSignature.InvalidKeyIdentifier", "Get-KmsSigningKey -KeyId 'not a key id' @kmsAdmin")]
    [InlineData("New-KmsSigningKey", "KmsSignature.InvalidSigningAlgorithm", "New-KmsSigningKey -Alias doc-errors-e -SignerPrincipal $signerArn -SigningAlgorithm ES256 @kmsAdmin")]
    [InlineData("Test-KmsSignature", "KmsSignature.TrustStoreEmpty", "$d = [IO.Directory]::CreateTempSubdirectory('doc-errors-').FullName; try { Test-KmsSignature -Token a.b.c -TrustStore $d } finally { [IO.Directory]::Delete($d) }")]
    public void Error_id_is_named_in_the_cmdlets_doc(string cmdlet, string errorId, string script)
    {
        using var session = fixture.NewSession();
        var key = session.Run("if (-not $global:docErrorsKey) { $global:docErrorsKey = (New-KmsSigningKey -Alias \"doc-errors-$([Guid]::NewGuid())\" @kmsAdmin).Arn }; $global:docErrorsKey")
            .AssertSuccess().Output.Single().BaseObject;
        var result = session.Run(script, new Dictionary<string, object?> { ["key"] = key });
        var error = result.TerminatingRecord ?? result.Errors.FirstOrDefault();
        Assert.True(error is not null, $"{script} wrote no error");
        var id = error.FullyQualifiedErrorId.Split(',')[0];
        Assert.Equal(errorId, id); // the case provokes the error it is there for, not another one the doc happens to name

        var doc = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", cmdlet + ".md"));
        Assert.True(doc.Contains(id, StringComparison.Ordinal), $"{cmdlet} raises {id} ({error}), which docs/{cmdlet}.md does not name.");
    }

    [Fact]
    public void Connection_error_is_named_in_the_about_topic()
    {
        using var session = fixture.NewSession();
        var result = session.Run("Get-KmsSigningKey -Region 'not a region!' -EndpointUrl $kmsEndpoint -Credential $kmsAdmin.Credential");
        var id = (result.TerminatingRecord ?? result.Errors.First()).FullyQualifiedErrorId.Split(',')[0];
        Assert.Equal("KmsSignature.InvalidRegion", id);
        Assert.Contains(id, File.ReadAllText(Path.Combine(RepoPaths.Root, "module", "en-US", "about_KmsSignature.help.txt")), StringComparison.Ordinal);
    }

    // Raised only for values a ValidateSet has already refused, so no user meets them.
    private static readonly string[] Unreachable = ["KmsSignature.InvalidKeyIdStyle"];

    [Fact]
    public void Every_error_id_the_module_raises_is_named_in_its_docs()
    {
        var source = Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Contains(Path.Combine("src", "KmsSignature.LocalKms"), StringComparison.Ordinal)
                && !path.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .Select(File.ReadAllText);
        var ids = source.SelectMany(text => System.Text.RegularExpressions.Regex.Matches(text, @"KmsSignatureException\(\s*""(?:KmsSignature\.)?(\w+)""")
                .Select(m => "KmsSignature." + m.Groups[1].Value))
            .Distinct().Except(Unreachable).ToList();
        Assert.True(ids.Count > 50, "the scan found too few error ids: " + ids.Count);

        var docs = string.Join("\n", Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "docs"), "*.md").Select(File.ReadAllText)
            .Append(File.ReadAllText(Path.Combine(RepoPaths.Root, "module", "en-US", "about_KmsSignature.help.txt"))));
        var missing = ids.Where(id => !System.Text.RegularExpressions.Regex.IsMatch(docs, System.Text.RegularExpressions.Regex.Escape(id) + @"\b")).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, "error ids no doc names (a cmdlet's NOTES, or about_KmsSignature for those every cmdlet shares): " + string.Join(", ", missing));
    }
}
