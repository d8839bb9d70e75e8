using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsSignature.LocalKms.Tests.Infrastructure;

namespace KmsSignature.LocalKms.Tests;

/// <summary>What issue 4 requires: LocalKms signatures verify with openssl and the PEM made from GetPublicKey.</summary>
[Collection(TestCollection.Name)]
public sealed class OpenSslInteropTests(LocalKmsFixture fixture) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("localkms-openssl-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [OpenSslTheory]
    [InlineData("RSA_2048", "RSASSA_PKCS1_V1_5_SHA_256", "-sha256")]
    [InlineData("RSA_3072", "RSASSA_PKCS1_V1_5_SHA_384", "-sha384")]
    [InlineData("RSA_4096", "RSASSA_PKCS1_V1_5_SHA_512", "-sha512")]
    [InlineData("RSA_2048", "RSASSA_PSS_SHA_256", "-sha256")]
    [InlineData("RSA_2048", "RSASSA_PSS_SHA_512", "-sha512")]
    [InlineData("ECC_NIST_P256", "ECDSA_SHA_256", "-sha256")]
    [InlineData("ECC_NIST_P384", "ECDSA_SHA_384", "-sha384")]
    [InlineData("ECC_NIST_P521", "ECDSA_SHA_512", "-sha512")]
    [InlineData("ECC_SECG_P256K1", "ECDSA_SHA_256", "-sha256")]
    public async Task openssl_dgst_verifies_and_rejects_a_tampered_file(string keySpec, string algorithm, string digest)
    {
        var (pem, message, signature) = await SignFileAsync(keySpec, algorithm);
        string[] pss = algorithm.Contains("PSS", StringComparison.Ordinal)
            ? ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:-1"] // -1 = salt length equals digest length
            : [];
        var exit = OpenSsl.Run(["dgst", digest, "-verify", pem, .. pss, "-signature", signature, message], out var output);
        Assert.True(exit == 0, output);
        Assert.Contains("Verified OK", output, StringComparison.Ordinal);

        File.WriteAllText(message, "tampered");
        Assert.NotEqual(0, OpenSsl.Run(["dgst", digest, "-verify", pem, .. pss, "-signature", signature, message], out _));
    }

    [OpenSslFact]
    public async Task openssl_pkeyutl_verifies_Ed25519_raw_signatures()
    {
        var (pem, message, signature) = await SignFileAsync("ECC_NIST_EDWARDS25519", "ED25519_SHA_512");
        var exit = OpenSsl.Run(["pkeyutl", "-verify", "-pubin", "-inkey", pem, "-rawin", "-in", message, "-sigfile", signature], out var output);
        Assert.True(exit == 0, output);
        Assert.Contains("Signature Verified Successfully", output, StringComparison.Ordinal);

        File.WriteAllText(message, "tampered");
        Assert.NotEqual(0, OpenSsl.Run(["pkeyutl", "-verify", "-pubin", "-inkey", pem, "-rawin", "-in", message, "-sigfile", signature], out _));
    }

    [OpenSslFact]
    public async Task openssl_reads_the_GetPublicKey_DER_as_the_same_key()
    {
        var key = await fixture.SigningKeyAsync("ECC_NIST_P256");
        var der = Path.Combine(_dir, "key.der");
        File.WriteAllBytes(der, (await fixture.Admin.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId })).PublicKey.ToArray());
        Assert.Equal(0, OpenSsl.Run(["pkey", "-pubin", "-inform", "DER", "-in", der, "-text", "-noout"], out var output));
        Assert.Contains("P-256", output, StringComparison.Ordinal);
    }

    private async Task<(string Pem, string Message, string Signature)> SignFileAsync(string keySpec, string algorithm)
    {
        var key = await fixture.SigningKeyAsync(keySpec);
        var content = "release artifact\n"u8.ToArray();
        var response = await fixture.Admin.SignAsync(new SignRequest { KeyId = key.KeyId, Message = new MemoryStream(content), SigningAlgorithm = algorithm, MessageType = MessageType.RAW });
        var spki = (await fixture.Admin.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId })).PublicKey.ToArray();
        var pem = Path.Combine(_dir, "key.pem");
        var message = Path.Combine(_dir, "artifact.bin");
        var signature = Path.Combine(_dir, "artifact.sig");
        File.WriteAllText(pem, OpenSsl.PemFromSpki(spki));
        File.WriteAllBytes(message, content);
        File.WriteAllBytes(signature, response.Signature.ToArray());
        return (pem, message, signature);
    }
}
