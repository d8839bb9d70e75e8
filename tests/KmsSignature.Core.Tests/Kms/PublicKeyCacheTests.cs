using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using KmsSignature.Core.Kms;
using KmsSignature.LocalKms;

namespace KmsSignature.Core.Tests.Kms;

public sealed class PublicKeyCacheTests
{
    // Every key fetched by id or ARN stayed for the life of the process: a long session meeting ever more keys grew without bound.
    [Fact]
    public async Task Past_MaxKeys_the_least_recently_used_public_key_is_forgotten_and_the_ones_in_use_stay()
    {
        await using var kms = await LocalKmsServer.StartAsync();
        using var admin = new AmazonKeyManagementServiceClient(new BasicAWSCredentials(kms.Admin.AccessKeyId, kms.Admin.SecretAccessKey),
            new AmazonKeyManagementServiceConfig { ServiceURL = kms.Endpoint.ToString(), AuthenticationRegion = kms.Region, MaxErrorRetry = 0 });
        var connection = new KmsConnection(admin, admin, kms.Region, kms.Endpoint, "test");
        var arns = new List<string>();
        foreach (var batch in Enumerable.Range(0, PublicKeyCache.MaxKeys + 1).Chunk(64))
        {
            arns.AddRange(await Task.WhenAll(batch.Select(async _ =>
                (await admin.CreateKeyAsync(new CreateKeyRequest { KeySpec = "ECC_NIST_P256", KeyUsage = "SIGN_VERIFY" })).KeyMetadata.Arn)));
        }

        var cache = new PublicKeyCache();
        async Task<long> FetchesFor(string arn)
        {
            var before = kms.Counters.Count("GetPublicKey");
            Assert.Equal(arn, (await cache.GetAsync(connection, arn, NullOperationLog.Instance, default)).KeyArn);
            return kms.Counters.Count("GetPublicKey") - before;
        }

        foreach (var arn in arns.Take(PublicKeyCache.MaxKeys))
        {
            Assert.Equal(1, await FetchesFor(arn));
        }

        Assert.Equal(0, await FetchesFor(arns[0])); // used again: arns[1] is now the least recently used
        Assert.Equal(1, await FetchesFor(arns[^1]));

        Assert.Equal(PublicKeyCache.MaxKeys, cache.Count);
        Assert.Equal(0, await FetchesFor(arns[0]));
        Assert.Equal(0, await FetchesFor(arns[^2]));
        Assert.Equal(1, await FetchesFor(arns[1]));
        Assert.Equal(PublicKeyCache.MaxKeys, cache.Count);
    }
}
