using System.Security.Cryptography;
using System.Text.Json;
using KmsSignature.Core.Algorithms;
using KmsSignature.Core.Keys;

namespace KmsSignature.Core.Tests.Keys;

/// <summary>PEM/DER identical to openssl's, JWK identical in key members to node's, RFC 7638 thumbprints.</summary>
public sealed class PublicKeyExportTests
{
    public static TheoryData<string> Names() => new(Fixtures.KeyNames);

    [Theory]
    [MemberData(nameof(Names))]
    public void Pem_and_der_are_byte_identical_to_the_tools_output(string name)
    {
        var fromJwk = PublicKey.FromJwk(Fixtures.Text($"keys/{name}.jwk.json"));

        Assert.Equal(Fixtures.Text($"keys/{name}.pem"), fromJwk.ToPem());
        Assert.Equal(Fixtures.Bytes($"keys/{name}.der"), fromJwk.ToDer());
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Jwk_has_the_same_key_members_as_node_and_carries_alg_and_use(string name)
    {
        var expected = Fixtures.Json($"keys/{name}.jwk.json");
        var key = Fixtures.Key(name);

        var alg = expected.TryGetProperty("alg", out var a0) ? a0.GetString() : "RS256";
        var jwk = JsonDocument.Parse(key.ToJwk("my-kid", alg)).RootElement;

        Assert.Equal(alg, jwk.GetProperty("alg").GetString());
        foreach (var member in new[] { "kty", "crv", "x", "y", "n", "e", "pub" })
        {
            Assert.Equal(expected.TryGetProperty(member, out var e) ? e.GetString() : null,
                jwk.TryGetProperty(member, out var a) ? a.GetString() : null);
        }

        Assert.Equal("sig", jwk.GetProperty("use").GetString());
        Assert.Equal("my-kid", jwk.GetProperty("kid").GetString());
        Assert.Equal(key, PublicKey.FromJwk(jwk.GetRawText()));
    }

    [Theory]
    [InlineData("rsa2048", null)]
    [InlineData("rsa3072", null)]
    [InlineData("rsa4096", null)]
    [InlineData("p256", "ES256")]
    [InlineData("p384", "ES384")]
    [InlineData("p521", "ES512")]
    [InlineData("secp256k1", "ES256K")]
    [InlineData("ed25519", "Ed25519")]
    [InlineData("mldsa44", "ML-DSA-44")]
    [InlineData("mldsa87", "ML-DSA-87")]
    public void Jwk_without_alg_pins_the_only_alg_of_its_spec_and_none_for_rsa(string name, string? expected)
    {
        // A verifier treats a JWK alg as the only alg the key may use (RFC 7517 §4.4); an RSA KMS key signs six.
        var jwk = JsonDocument.Parse(Fixtures.Key(name).ToJwk()).RootElement;

        Assert.Equal(expected, jwk.TryGetProperty("alg", out var alg) ? alg.GetString() : null);
        Assert.False(jwk.TryGetProperty("kid", out _));
        Assert.Equal(expected, PublicKey.FromJwk(jwk.GetRawText()).Algorithm);
    }

    [Fact]
    public void Jwks_round_trips_many_keys_with_their_metadata()
    {
        var keys = PublicKey.FromJwks(Fixtures.Text("keys/jwks.json"));

        var again = PublicKey.FromJwks(PublicKey.ToJwks(keys, indented: true));

        Assert.Equal(keys, again);
        // A key without alg keeps none when its spec has several (RSA), and gets the only one otherwise.
        Assert.Equal(keys.Select(k => (k.KeyId, k.Algorithm ?? (k.Family == KeyFamily.Rsa ? null : JwsAlgorithm.DefaultFor(k.KeySpec).Name))),
            again.Select(k => (k.KeyId, k.Algorithm)));
        Assert.Null(again.Single(k => k.KeyId == "rsa2048").Algorithm);
    }

    [Fact]
    public void Thumbprint_matches_rfc8037_vector()
    {
        var key = PublicKey.FromJwk(Fixtures.Json("rfc/rfc8037-a4-ed25519.json").GetProperty("jwk").GetRawText());

        Assert.Equal("kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k", key.JwkThumbprint);
    }

    [Fact]
    public void Thumbprint_ignores_metadata_and_depends_on_the_key()
    {
        var key = Fixtures.Key("p256");

        Assert.Equal(key.JwkThumbprint, key.WithMetadata("kid", "ES256", "sig").JwkThumbprint);
        Assert.NotEqual(key.JwkThumbprint, Fixtures.Key("p384").JwkThumbprint);
        // RFC 7638 §3.2 over node's JWK of the key: crv, kty, x, y in lexical order.
        var jwk = Fixtures.Json("keys/p256.jwk.json");
        Assert.Equal(B64Url(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
            $"{{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"{jwk.GetProperty("x").GetString()}\",\"y\":\"{jwk.GetProperty("y").GetString()}\"}}"))), key.JwkThumbprint);
    }

    // The platform's base64 with the RFC 7515 §2 changes, rather than the codec under test.
    private static string B64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [Fact]
    public void Thumbprint_of_rsa_matches_its_canonical_json()
    {
        // RFC 7638 §3.1's RSA example, recomputed from the key's own members in the RFC's canonical order.
        var key = PublicKey.FromJwk(Fixtures.Json("rfc/rfc7515-a2-rs256.json").GetProperty("jwk").GetRawText());
        var jwk = Fixtures.Json("rfc/rfc7515-a2-rs256.json").GetProperty("jwk");
        var canonical = $"{{\"e\":\"{jwk.GetProperty("e").GetString()}\",\"kty\":\"RSA\",\"n\":\"{jwk.GetProperty("n").GetString()}\"}}";

        Assert.Equal(B64Url(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(canonical))), key.JwkThumbprint);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Fingerprint_is_sha256_of_the_der_spki(string name) =>
        Assert.Equal(Convert.ToHexString(SHA256.HashData(Fixtures.Bytes($"keys/{name}.der"))).ToLowerInvariant(),
            Fixtures.Key(name).Sha256Fingerprint);

    [Fact]
    public void ToString_is_the_pem() => Assert.Equal(Fixtures.Text("keys/p256.pem"), Fixtures.Key("p256").ToString());
}
