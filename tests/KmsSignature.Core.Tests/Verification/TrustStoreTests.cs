using KmsSignature.Core.Keys;
using KmsSignature.Core.Verification;

namespace KmsSignature.Core.Tests.Verification;

/// <summary>Key selection by kid, thumbprint, file name; single-key stores; duplicates.</summary>
public sealed class TrustStoreTests
{
    [Fact]
    public void Single_key_without_kid_verifies_tokens_whatever_their_kid()
    {
        var verifier = new TokenVerifier(TrustStore.FromKeys([Fixtures.Key("p256")]));

        Assert.True(verifier.Verify(Fixtures.Token("es256-p256.jwt")).IsValid);
        Assert.True(verifier.Verify(Fixtures.Token("es256-no-kid.jwt")).IsValid);
        Assert.True(verifier.Verify(Fixtures.Token("es256-unknown-kid.jwt")).IsValid);
    }

    [Fact]
    public void Single_key_with_a_kid_verifies_tokens_without_kid_but_not_other_kids()
    {
        var verifier = new TokenVerifier(TrustStore.FromKeys([Fixtures.Key("p256").WithMetadata("p256")]));

        Assert.True(verifier.Verify(Fixtures.Token("es256-no-kid.jwt")).IsValid);
        Assert.Equal(VerificationStatus.UntrustedKey, verifier.Verify(Fixtures.Token("es256-unknown-kid.jwt")).Status);
    }

    [Fact]
    public void Jwks_selects_by_kid_and_token_without_kid_tries_fitting_keys()
    {
        var store = TrustStore.Load(Fixtures.PathOf("keys/jwks.json"));
        var verifier = new TokenVerifier(store);

        Assert.Equal(11, store.Count);
        Assert.Equal("p384", verifier.Verify(Fixtures.Token("es384-p384.jwt")).KeyId);
        var noKid = verifier.Verify(Fixtures.Token("es256-no-kid.jwt"));
        Assert.True(noKid.IsValid, noKid.ToString());
        Assert.Equal("p256", noKid.KeyId);
    }

    [Fact]
    public void Thumbprint_works_as_kid()
    {
        var p256 = Fixtures.Key("p256");
        var store = TrustStore.FromKeys([p256.WithMetadata("a"), Fixtures.Key("p384").WithMetadata("b")]);

        Assert.Same(store.Verifiers[0], store.Find(p256.JwkThumbprint));
        Assert.Null(store.Find("c"));
    }

    [Fact]
    public void Directory_gives_pem_keys_their_file_name_as_kid()
    {
        var dir = Directory.CreateTempSubdirectory("kms-trust-");
        try
        {
            File.Copy(Fixtures.PathOf("keys/p256.pem"), Path.Combine(dir.FullName, "signing-2024.pem"));
            File.Copy(Fixtures.PathOf("keys/rsa2048.der"), Path.Combine(dir.FullName, "legacy.der"));
            File.WriteAllText(Path.Combine(dir.FullName, "README.txt"), "ignored");

            var store = TrustStore.Load(dir.FullName);

            Assert.Equal(2, store.Count);
            Assert.Equal(Fixtures.Key("p256"), store.Find("signing-2024")!.Key);
            Assert.Equal(Fixtures.Key("rsa2048"), store.Find("legacy")!.Key);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public void Two_different_keys_under_one_kid_are_refused()
    {
        var ex = Assert.Throws<KmsSignatureException>(() =>
            TrustStore.FromKeys([Fixtures.Key("p256").WithMetadata("k"), Fixtures.Key("p384").WithMetadata("k")]));

        Assert.Equal("KmsSignature.DuplicateKeyId", ex.ErrorId);
    }

    [Fact]
    public void Missing_store_and_empty_store_are_errors()
    {
        Assert.Equal("KmsSignature.TrustStoreNotFound",
            Assert.Throws<KmsSignatureException>(() => TrustStore.Load(Fixtures.PathOf("nowhere"))).ErrorId);
        Assert.Equal("KmsSignature.TrustStoreEmpty",
            Assert.Throws<KmsSignatureException>(() => TrustStore.FromKeys(Array.Empty<PublicKey>())).ErrorId);
    }

    [Fact]
    public void Jwk_alg_pins_the_key_and_use_enc_is_untrusted()
    {
        var pinned = new TokenVerifier(TrustStore.FromKeys([Fixtures.Key("rsa2048").WithMetadata("rsa2048", "PS256")]));
        var enc = new TokenVerifier(TrustStore.FromKeys([Fixtures.Key("rsa2048").WithMetadata("rsa2048", null, "enc")]));

        Assert.True(pinned.Verify(Fixtures.Token("ps256-rsa2048.jwt")).IsValid);
        Assert.Equal(VerificationStatus.AlgorithmNotAllowed, pinned.Verify(Fixtures.Token("rs256-rsa2048.jwt")).Status);
        Assert.Equal(VerificationStatus.UntrustedKey, enc.Verify(Fixtures.Token("rs256-rsa2048.jwt")).Status);
    }
}
