using System.Text;
using KmsSignature.Core.Jose;

namespace KmsSignature.Core.Tests.Jose;

/// <summary>Compact JWS shape, header members and claims as the verifier reads them.</summary>
public sealed class JwsParsingTests
{
    [Fact]
    public void Segments_locate_header_payload_and_signature()
    {
        Assert.True(JwsSegments.TryParse("aaa.bb.c", out var s, out _));
        Assert.Equal(3, s.HeaderLength);
        Assert.Equal(4, s.PayloadStart);
        Assert.Equal(2, s.PayloadLength);
        Assert.Equal(7, s.SignatureStart);
        Assert.Equal(1, s.SignatureLength);
        Assert.Equal(6, s.SigningInputLength);
    }

    [Theory]
    [InlineData(".b.c", "header segment is empty")]
    [InlineData("a.b", "2 segments")]
    [InlineData("a.b.c.d", "4 segments")]
    public void Bad_shapes_are_named(string token, string reason)
    {
        Assert.False(JwsSegments.TryParse(token, out _, out var error));
        Assert.Contains(reason, error);
    }

    [Fact]
    public void Header_reads_alg_kid_typ_and_crit()
    {
        Assert.True(JoseHeader.TryParse("{\"typ\":\"JWT\",\"alg\":\"ES256K\",\"kid\":\"arn:aws:kms:eu-west-1:1:key/x\",\"crit\":[\"b64\"],\"b64\":false}"u8,
            out var header, out _));

        Assert.Same(Core.Algorithms.JwsAlgorithm.ES256K, header!.Algorithm);
        Assert.Equal("arn:aws:kms:eu-west-1:1:key/x", header.KeyId);
        Assert.Equal("JWT", header.Type);
        Assert.True(header.HasCritical);
    }

    [Fact]
    public void Unknown_alg_keeps_its_name()
    {
        Assert.True(JoseHeader.TryParse("{\"alg\":\"HS256\"}"u8, out var header, out _));

        Assert.Null(header!.Algorithm);
        Assert.Equal("HS256", header.AlgorithmName);
    }

    [Fact]
    public void Claims_read_audience_string_or_array_and_fractional_dates()
    {
        Assert.True(JwtClaims.TryParse(Encoding.UTF8.GetBytes("{\"aud\":\"a\",\"exp\":1700000000.9,\"nbf\":1,\"iat\":2,\"jti\":\"j\",\"sub\":\"s\",\"iss\":\"i\",\"x\":{\"y\":[1]}}"),
            out var one, out _));
        Assert.True(JwtClaims.TryParse("{\"aud\":[\"a\",\"b\"]}"u8, out var many, out _));

        Assert.Equal(["a"], one!.Audience);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700000000), one.ExpiresAt);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1), one.NotBefore);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(2), one.IssuedAt);
        Assert.Equal(("i", "s", "j"), (one.Issuer, one.Subject, one.JwtId));
        Assert.Equal(["a", "b"], many!.Audience);
        Assert.Empty(JwtClaims.TryParse("{}"u8, out var none, out _) ? none!.Audience : ["fail"]);
    }
}
