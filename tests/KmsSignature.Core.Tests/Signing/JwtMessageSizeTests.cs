using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using KmsSignature.Core.Algorithms;
using KmsSignature.Core.Kms;
using KmsSignature.Core.Signing;
using KmsSignature.Core.Verification;
using KmsSignature.LocalKms;

namespace KmsSignature.Core.Tests.Signing;

/// <summary>
/// KMS signs at most 4096 bytes RAW: a JWT's signing input of exactly 4096 bytes goes RAW, one byte more as the
/// algorithm's digest, and both verify; the algorithms that sign the message itself refuse the larger one.
/// </summary>
public sealed class JwtMessageSizeTests
{
    [Theory]
    [InlineData("RSA_2048", "RS256")]
    [InlineData("RSA_2048", "RS384")]
    [InlineData("RSA_2048", "RS512")]
    [InlineData("RSA_2048", "PS256")]
    [InlineData("RSA_2048", "PS384")]
    [InlineData("RSA_2048", "PS512")]
    [InlineData("ECC_NIST_P256", "ES256")]
    [InlineData("ECC_NIST_P384", "ES384")]
    [InlineData("ECC_NIST_P521", "ES512")]
    [InlineData("ECC_SECG_P256K1", "ES256K")]
    [InlineData("ECC_NIST_EDWARDS25519", "Ed25519")]
    [InlineData("ML_DSA_44", "ML-DSA-44")]
    public async Task Signing_input_of_4096_bytes_goes_RAW_and_one_byte_more_DIGEST_or_is_refused(string spec, string alg)
    {
        await using var kms = await LocalKmsServer.StartAsync();
        using var client = new AmazonKeyManagementServiceClient(new BasicAWSCredentials(kms.Admin.AccessKeyId, kms.Admin.SecretAccessKey),
            new AmazonKeyManagementServiceConfig { ServiceURL = kms.Endpoint.ToString(), AuthenticationRegion = kms.Region });
        var arn = (await client.CreateKeyAsync(new CreateKeyRequest { KeySpec = spec, KeyUsage = "SIGN_VERIFY" })).KeyMetadata.Arn;
        var key = await SigningKey.ResolveAsync(new KmsConnection(client, client, kms.Region, kms.Endpoint, "test"), arn, NullOperationLog.Instance, default);
        JwsAlgorithm.TryParse(alg, out var algorithm);

        var (signer, claims) = await ForSigningInputAsync(key, algorithm, SigningMessage.MaxRawLength);
        var verifier = new TokenVerifier(TrustStore.FromKeys([key.PublicKey.WithMetadata(signer.Kid)]));
        var exact = signer.Prepare(claims);
        Assert.Equal(SigningMessage.MaxRawLength, exact.SigningInput.Length);
        var token = await signer.SignAsync(exact, default);
        Assert.Equal("RAW", token.MessageType);
        Assert.Equal(VerificationStatus.Valid, verifier.Verify(token.Token).Status);

        (signer, claims) = await ForSigningInputAsync(key, algorithm, SigningMessage.MaxRawLength + 1);
        if (algorithm.KmsAlgorithm.AcceptsDigest)
        {
            var digest = await signer.SignAsync(claims, default);
            Assert.Equal(SigningMessage.MaxRawLength + 1, digest.Token.LastIndexOf('.'));
            Assert.Equal("DIGEST", digest.MessageType);
            Assert.Equal(VerificationStatus.Valid, verifier.Verify(digest.Token).Status);
        }
        else
        {
            var error = Assert.Throws<KmsSignatureException>(() => signer.Prepare(claims));
            Assert.Equal("KmsSignature.MessageTooLarge", error.ErrorId);
            Assert.Same(claims, error.Target);
        }
    }

    // A signer and claims whose signing input is exactly the given length. Unpadded base64url has no length of 4n+1,
    // so a header member and a claim are both grown until their encodings add up to it.
    private static async Task<(JwtSigner Signer, JwtClaimSet Claims)> ForSigningInputAsync(SigningKey key, JwsAlgorithm algorithm, int length)
    {
        for (var h = 0; h < 4; h++)
        {
            var signer = await JwtSigner.CreateAsync(key, new JwtSignerOptions { Algorithm = algorithm, Header = [new("h", new string('x', h))] }, default);
            var header = Base64UrlLength(System.Text.Encoding.UTF8.GetByteCount(signer.HeaderJson));
            for (var p = 0; header + 1 + Base64UrlLength("""{"p":""}""".Length + p) <= length; p++)
            {
                if (header + 1 + Base64UrlLength("""{"p":""}""".Length + p) == length)
                {
                    return (signer, new JwtClaimSet().Set("p", new string('x', p)));
                }
            }
        }

        throw new InvalidOperationException($"no header and claims give a signing input of {length} characters");
    }

    private static int Base64UrlLength(int bytes) => ((bytes * 4) + 2) / 3;
}
