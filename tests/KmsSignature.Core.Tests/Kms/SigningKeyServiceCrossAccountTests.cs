using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using KmsSignature.Core.Kms;
using KmsSignature.LocalKms;

namespace KmsSignature.Core.Tests.Kms;

/// <summary>
/// A key of another account is used by its ARN (KMS routes the call to the account in the ARN), but ListAliases lists only
/// the caller's own aliases and answers NotFoundException for a key it does not hold. Two LocalKms servers stand for the
/// two accounts; the client sends calls that name the other account's ARN there, as KMS does.
/// </summary>
public sealed class SigningKeyServiceCrossAccountTests
{
    [Fact]
    public async Task A_key_of_another_account_by_ARN_is_returned_without_an_alias_and_exported()
    {
        await using var own = await LocalKmsServer.StartAsync(new LocalKmsOptions { AccountId = "111122223333" });
        await using var other = await LocalKmsServer.StartAsync(new LocalKmsOptions { AccountId = "444455556666" });
        using var otherClient = ClientFor(other);
        var foreign = (await otherClient.CreateKeyAsync(new CreateKeyRequest { KeySpec = "ECC_NIST_P256", KeyUsage = "SIGN_VERIFY" })).KeyMetadata;
        using var client = new CrossAccountClient(own, otherClient, "444455556666");
        var service = new SigningKeyService(new KmsConnection(client, client, own.Region, own.Endpoint, "test"));

        var key = await service.GetAsync(foreign.Arn, includeAllKeyUsages: false, default);
        Assert.Equal(foreign.Arn, key.Arn);
        Assert.Null(key.Alias);

        var exported = await service.ExportAsync(foreign.Arn, KeyIdStyle.Arn, null, default);
        Assert.Equal(foreign.Arn, exported.Kid);

        // -KeyIdStyle Alias: the key has no alias the caller can see, which is what KeyHasNoAlias says.
        var error = await Assert.ThrowsAsync<KmsSignatureException>(() => service.ExportAsync(foreign.Arn, KeyIdStyle.Alias, null, default));
        Assert.Equal("KmsSignature.KeyHasNoAlias", error.ErrorId);
    }

    private static AmazonKeyManagementServiceClient ClientFor(LocalKmsServer kms) =>
        new(new BasicAWSCredentials(kms.Admin.AccessKeyId, kms.Admin.SecretAccessKey),
            new AmazonKeyManagementServiceConfig { ServiceURL = kms.Endpoint.ToString(), AuthenticationRegion = kms.Region, MaxErrorRetry = 0 });

    private sealed class CrossAccountClient(LocalKmsServer kms, AmazonKeyManagementServiceClient otherAccount, string otherAccountId) : AmazonKeyManagementServiceClient(
        new BasicAWSCredentials(kms.Admin.AccessKeyId, kms.Admin.SecretAccessKey),
        new AmazonKeyManagementServiceConfig { ServiceURL = kms.Endpoint.ToString(), AuthenticationRegion = kms.Region, MaxErrorRetry = 0 })
    {
        private bool IsOther(string keyId) => keyId.Contains($":{otherAccountId}:", StringComparison.Ordinal);

        public override Task<DescribeKeyResponse> DescribeKeyAsync(DescribeKeyRequest request, CancellationToken cancellationToken = default) =>
            IsOther(request.KeyId) ? otherAccount.DescribeKeyAsync(request, cancellationToken) : base.DescribeKeyAsync(request, cancellationToken);

        public override Task<GetPublicKeyResponse> GetPublicKeyAsync(GetPublicKeyRequest request, CancellationToken cancellationToken = default) =>
            IsOther(request.KeyId) ? otherAccount.GetPublicKeyAsync(request, cancellationToken) : base.GetPublicKeyAsync(request, cancellationToken);
    }
}
