using KmsSignature.Core.Algorithms;

namespace KmsSignature.Core.Tests.Algorithms;

/// <summary>The KMS and JOSE catalogs agree with KMS-FACTS.md: which alg fits which key spec.</summary>
public sealed class AlgorithmCatalogTests
{
    [Theory]
    [InlineData(KmsKeySpec.Rsa2048, "RS256,RS384,RS512,PS256,PS384,PS512")]
    [InlineData(KmsKeySpec.EccNistP256, "ES256")]
    [InlineData(KmsKeySpec.EccNistP384, "ES384")]
    [InlineData(KmsKeySpec.EccNistP521, "ES512")]
    [InlineData(KmsKeySpec.EccSecgP256K1, "ES256K")]
    [InlineData(KmsKeySpec.EccNistEdwards25519, "Ed25519,EdDSA")]
    [InlineData(KmsKeySpec.MlDsa44, "ML-DSA-44")]
    [InlineData(KmsKeySpec.MlDsa87, "ML-DSA-87")]
    public void Jose_algs_fit_their_key_specs(KmsKeySpec spec, string algs) =>
        Assert.Equal(algs.Split(','), JwsAlgorithm.ForKeySpec(spec).Select(a => a.Name));

    [Theory]
    [InlineData(KmsKeySpec.Rsa4096, "RS256", "RSASSA_PKCS1_V1_5_SHA_256")]
    [InlineData(KmsKeySpec.EccSecgP256K1, "ES256K", "ECDSA_SHA_256")]
    [InlineData(KmsKeySpec.EccNistEdwards25519, "Ed25519", "ED25519_SHA_512")]
    [InlineData(KmsKeySpec.MlDsa65, "ML-DSA-65", "ML_DSA_SHAKE_256")]
    public void Defaults_are_the_documented_ones(KmsKeySpec spec, string jose, string kms)
    {
        Assert.Equal(jose, JwsAlgorithm.DefaultFor(spec).Name);
        Assert.Equal(kms, SignatureAlgorithm.DefaultFor(spec).KmsName);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("NONE")]
    [InlineData("HS256")]
    [InlineData("hs512")]
    [InlineData(null)]
    public void None_and_hmac_are_forbidden(string? name) => Assert.True(JwsAlgorithm.IsForbidden(name));

    [Fact]
    public void Jose_names_are_case_sensitive_and_kms_names_are_not()
    {
        Assert.False(JwsAlgorithm.TryParse("es256", out _));
        Assert.True(SignatureAlgorithm.TryFromKmsName("ecdsa_sha_256", out var kms));
        Assert.Same(SignatureAlgorithm.EcdsaSha256, kms);
    }

    [Fact]
    public void Ed25519ph_takes_only_digests_and_pure_ed25519_only_raw()
    {
        Assert.False(SignatureAlgorithm.Ed25519PhSha512.AcceptsRaw);
        Assert.True(SignatureAlgorithm.Ed25519PhSha512.AcceptsDigest);
        Assert.True(SignatureAlgorithm.Ed25519Sha512.AcceptsRaw);
        Assert.False(SignatureAlgorithm.Ed25519Sha512.AcceptsDigest);
        Assert.False(SignatureAlgorithm.MlDsaShake256.AcceptsDigest);
    }

    [Fact]
    public void Key_spec_names_are_the_KMS_KeySpec_values_and_round_trip()
    {
        // The KeySpec values of the KMS API reference that sign, except SM2 (China Regions only).
        string[] kmsNames = ["RSA_2048", "RSA_3072", "RSA_4096", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1",
            "ECC_NIST_EDWARDS25519", "ML_DSA_44", "ML_DSA_65", "ML_DSA_87"];
        Assert.Equal(kmsNames, Enum.GetValues<KmsKeySpec>().Select(s => s.ToKmsName()));
        Assert.Equal(Enum.GetValues<KmsKeySpec>(), kmsNames.Select(KmsKeySpecs.Parse));

        Assert.False(KmsKeySpecs.TryParse("SYMMETRIC_DEFAULT", out _));
    }
}
