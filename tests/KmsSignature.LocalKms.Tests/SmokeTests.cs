using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsSignature.LocalKms.Tests.Infrastructure;

namespace KmsSignature.LocalKms.Tests;

[Collection(TestCollection.Name)]
public sealed class SmokeTests(LocalKmsFixture fixture)
{
    [Fact]
    public async Task Sdk_client_creates_signs_and_verifies()
    {
        var key = await fixture.SigningKeyAsync("ECC_NIST_P256");
        var sign = await fixture.Admin.SignAsync(new SignRequest { KeyId = key.KeyId, Message = new MemoryStream("hello"u8.ToArray()), SigningAlgorithm = SigningAlgorithmSpec.ECDSA_SHA_256 });
        var verify = await fixture.Admin.VerifyAsync(new VerifyRequest { KeyId = key.Arn, Message = new MemoryStream("hello"u8.ToArray()), Signature = sign.Signature, SigningAlgorithm = SigningAlgorithmSpec.ECDSA_SHA_256 });
        Assert.True(verify.SignatureValid);
    }
}
