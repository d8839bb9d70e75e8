using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests.Signing;

/// <summary>
/// A [uri] given to a string parameter (-Issuer, -Audience, -Subject, -JwtId) is taken as typed, as a [uri] claim is:
/// PowerShell's own conversion is Uri.ToString(), which adds a slash to a bare authority, lowercases the host and unescapes.
/// </summary>
public sealed class UriParameterTests(SigningFixture fixture) : IClassFixture<SigningFixture>
{
    [Fact]
    public async Task Uri_arguments_of_the_claim_parameters_are_signed_as_typed_and_verify_with_the_same_uris()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var session = fixture.NewSession();
        var result = session.Run("""
            $iss = [uri]'https://Issuer.example'
            $aud = [uri]'https://api.example/x%20y'
            $t = New-KmsSignedJwt -KeyId $k -Issuer $iss -Audience $aud, 'plain' -Subject ([uri]'urn:User:1') -JwtId ([uri]'https://id.example') @kmsSigner
            $t.Token
            (Test-KmsSignature -Token $t.Token -KeyId $k -Issuer $iss -Audience $aud @kmsVerifier).Status.ToString()
            """, new Dictionary<string, object?> { ["k"] = arn }).AssertSuccess();

        Assert.Equal(2, result.Output.Count);
        var payload = TokenParts.Text((string)result.Output[0].BaseObject, 1);
        Assert.StartsWith("""{"iss":"https://Issuer.example","sub":"urn:User:1","aud":["https://api.example/x%20y","plain"],"iat":""", payload);
        Assert.EndsWith(""","jti":"https://id.example"}""", payload);
        Assert.Equal("Valid", result.Output[1].BaseObject);
    }

    // Only an object[] was looked into: a List[uri], or an array in a PSObject wrapper, went to PowerShell's conversion.
    [Fact]
    public async Task Uris_in_a_list_or_a_wrapped_array_are_taken_as_typed_too()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var session = fixture.NewSession();
        var result = session.Run("""
            $list = [System.Collections.Generic.List[uri]]::new(); $list.Add([uri]'https://a.example'); $list.Add([uri]'https://B.example')
            (New-KmsSignedJwt -KeyId $k -Audience $list @kmsSigner).Token
            $wrapped = [psobject]::AsPSObject([object[]]@([uri]'https://c.example')) # as Write-Output -NoEnumerate gives it
            (New-KmsSignedJwt -KeyId $k -Audience $wrapped @kmsSigner).Token
            """, new Dictionary<string, object?> { ["k"] = arn }).AssertSuccess();

        Assert.StartsWith("""{"aud":["https://a.example","https://B.example"],""", TokenParts.Text((string)result.Output[0].BaseObject, 1));
        Assert.StartsWith("""{"aud":"https://c.example",""", TokenParts.Text((string)result.Output[1].BaseObject, 1));
    }
}
