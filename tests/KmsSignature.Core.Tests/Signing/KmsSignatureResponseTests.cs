using System.Formats.Asn1;
using System.Security.Cryptography;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using KmsSignature.Core.Algorithms;
using KmsSignature.Core.Jose;
using KmsSignature.Core.Kms;
using KmsSignature.Core.Signatures;
using KmsSignature.Core.Signing;
using KmsSignature.LocalKms;

namespace KmsSignature.Core.Tests.Signing;

/// <summary>What the signer makes of the signatures KMS returns: real DER of every length, and DER that is not.</summary>
public sealed class KmsSignatureResponseTests
{
    // About 1 in 128 P-256 signatures has an r or s under 32 bytes (DER trims leading zeros) and about half a 33-byte
    // INTEGER with a 0x00 sign byte: 2,000 real ones cover both, each left-padded to 32 bytes and verified as R||S.
    [Theory]
    [InlineData("ECC_NIST_P256", 2000)]
    [InlineData("ECC_NIST_P521", 300)]
    public async Task Real_KMS_DER_signatures_of_every_length_become_R_S_that_verify(string spec, int count)
    {
        await using var kms = await LocalKmsServer.StartAsync();
        using var client = new ReplacingSignClient(kms, null);
        var signer = await NewSignerAsync(kms, client, spec);
        var scalar = signer.Key.KeySpec.EcScalarSize();
        using var ecdsa = ECDsa.Create();
        ecdsa.ImportSubjectPublicKeyInfo(signer.Key.PublicKey.Spki.Span, out _);
        var shortHalves = 0;
        var signBytes = 0;
        for (var i = 0; i < count; i++)
        {
            var jwt = await signer.SignAsync(new JwtClaimSet().Set("n", i), default);
            var parts = jwt.Token.Split('.');
            var rs = Base64Url.Decode(parts[2]);
            Assert.Equal(2 * scalar, rs.Length);
            Assert.True(ecdsa.VerifyData(System.Text.Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), rs, signer.Algorithm.KmsAlgorithm.Hash));
            var sequence = new AsnReader(client.LastSignature, AsnEncodingRules.DER).ReadSequence();
            var (r, s) = (sequence.ReadIntegerBytes().Length, sequence.ReadIntegerBytes().Length);
            shortHalves += r < scalar || s < scalar ? 1 : 0;
            signBytes += r > scalar || s > scalar ? 1 : 0;
        }

        Assert.True(shortHalves > 0, "no short r or s among the signatures");
        Assert.True(signBytes > 0 || scalar == 66, "no 0x00 sign byte among the signatures"); // a 521-bit value leaves its top byte's sign bit clear
    }

    [Theory]
    [InlineData("not DER")]
    [InlineData("30 06 02 01 01 02 01 01 00")] // trailing byte
    [InlineData("30 06 02 01 81 02 01 01")] // negative r
    [InlineData("30 06 02 01 00 02 01 01")] // r = 0
    [InlineData("")]
    public async Task A_signature_KMS_returns_that_is_not_the_keys_DER_is_an_error_of_the_item_not_a_token(string returned)
    {
        var bytes = returned == "not DER" ? "not DER"u8.ToArray() : Convert.FromHexString(returned.Replace(" ", ""));
        await using var kms = await LocalKmsServer.StartAsync();
        using var client = new ReplacingSignClient(kms, bytes);
        var signer = await NewSignerAsync(kms, client, "ECC_NIST_P256");
        var claims = new JwtClaimSet().Set("sub", "one");

        var error = await Assert.ThrowsAsync<KmsSignatureException>(() => signer.SignAsync(claims, default));

        Assert.Equal("KmsSignature.InvalidKmsSignature", error.ErrorId);
        Assert.Equal(ErrorKind.InvalidResult, error.Kind);
        Assert.Same(claims, error.Target);
        Assert.Contains(signer.Key.KeyArn, error.Message);

        var directory = Directory.CreateTempSubdirectory().FullName;
        try
        {
            var file = Path.Combine(directory, "a.txt");
            File.WriteAllText(file, "signed");
            var detached = new DetachedSigner(signer.Key);
            var fileError = await Assert.ThrowsAsync<KmsSignatureException>(() => detached.SignFileAsync(file, file + ".sig", SignatureFileEncoding.Binary, false, default));
            Assert.Equal("KmsSignature.InvalidKmsSignature", fileError.ErrorId);
            Assert.Equal(file, fileError.Target);
            Assert.Equal(["a.txt"], Directory.GetFiles(directory).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<JwtSigner> NewSignerAsync(LocalKmsServer kms, IAmazonKeyManagementService client, string spec)
    {
        var arn = (await client.CreateKeyAsync(new CreateKeyRequest { KeySpec = spec, KeyUsage = "SIGN_VERIFY" })).KeyMetadata.Arn;
        var key = await SigningKey.ResolveAsync(new KmsConnection(client, client, kms.Region, kms.Endpoint, "test"), arn, NullOperationLog.Instance, default);
        return await JwtSigner.CreateAsync(key, new JwtSignerOptions(), default);
    }

    // Signs through LocalKms and hands back the given signature instead of KMS's when there is one.
    private sealed class ReplacingSignClient(LocalKmsServer kms, byte[]? replacement) : AmazonKeyManagementServiceClient(
        new BasicAWSCredentials(kms.Admin.AccessKeyId, kms.Admin.SecretAccessKey),
        new AmazonKeyManagementServiceConfig { ServiceURL = kms.Endpoint.ToString(), AuthenticationRegion = kms.Region, MaxErrorRetry = 0 })
    {
        public byte[]? LastSignature { get; private set; }

        public override async Task<SignResponse> SignAsync(SignRequest request, CancellationToken cancellationToken = default)
        {
            var response = await base.SignAsync(request, cancellationToken);
            LastSignature = response.Signature.ToArray();
            if (replacement is not null)
            {
                response.Signature = new MemoryStream(replacement);
            }

            return response;
        }
    }
}
