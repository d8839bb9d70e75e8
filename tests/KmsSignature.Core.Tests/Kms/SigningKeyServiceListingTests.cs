using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using KmsSignature.Core.Kms;
using KmsSignature.LocalKms;

namespace KmsSignature.Core.Tests.Kms;

/// <summary>
/// KMS deletes a key when its waiting period ends, so a key listed by ListKeys or ListAliases can be gone when it is
/// described a moment (in a large account, minutes) later. Here the waiting period ends right after the list call.
/// </summary>
public sealed class SigningKeyServiceListingTests
{
    [Fact]
    public async Task A_key_deleted_after_it_was_listed_is_left_out_not_an_error()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var kms = await LocalKmsServer.StartAsync(new LocalKmsOptions { TimeProvider = clock });
        using var admin = new ClockAdvancingClient(kms, clock);
        async Task<string> NewKeyAsync(string alias)
        {
            var key = (await admin.CreateKeyAsync(new CreateKeyRequest { KeySpec = "ECC_NIST_P256", KeyUsage = "SIGN_VERIFY" })).KeyMetadata;
            await admin.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = key.KeyId });
            return key.Arn;
        }

        var first = await NewKeyAsync("alias/listed-1");
        var doomed = await NewKeyAsync("alias/listed-2");
        var last = await NewKeyAsync("alias/listed-3");
        await admin.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = doomed, PendingWindowInDays = 7 });
        var service = new SigningKeyService(new KmsConnection(admin, admin, kms.Region, kms.Endpoint, "test"));

        admin.AfterListing = clock.Now.AddDays(7);
        var all = await Collect(onEntry => service.ListAsync(includeAllKeyUsages: false, onEntry, default));
        Assert.Equal(new[] { first, last }.Order(StringComparer.Ordinal),
            all.Select(e => Assert.IsType<KmsSigningKey>(e.Key).Arn).Order(StringComparer.Ordinal));
        Assert.All(all, e => Assert.Null(e.Error));

        // The same race through ListAliases: the alias went with its key after it was listed.
        clock.Now = DateTimeOffset.UtcNow;
        var doomedToo = await NewKeyAsync("alias/listed-4");
        await admin.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = doomedToo, PendingWindowInDays = 7 });
        admin.AfterListing = clock.Now.AddDays(7);
        var matched = await Collect(onEntry => service.FindByAliasAsync("listed-*", includeAllKeyUsages: false, onEntry, default));
        Assert.Equal(new[] { first, last }.Order(StringComparer.Ordinal),
            matched.Select(e => Assert.IsType<KmsSigningKey>(e.Key).Arn).Order(StringComparer.Ordinal));
    }

    // The entries a listing hands over one by one, as Get-KmsSigningKey writes them.
    private static async Task<List<Core.Kms.KeyListEntry>> Collect(Func<Func<Core.Kms.KeyListEntry, Task>, Task> list)
    {
        var entries = new List<Core.Kms.KeyListEntry>();
        await list(entry =>
        {
            entries.Add(entry);
            return Task.CompletedTask;
        });
        return entries;
    }

    private sealed class ClockAdvancingClient(LocalKmsServer kms, ManualClock clock) : AmazonKeyManagementServiceClient(
        new BasicAWSCredentials(kms.Admin.AccessKeyId, kms.Admin.SecretAccessKey),
        new AmazonKeyManagementServiceConfig { ServiceURL = kms.Endpoint.ToString(), AuthenticationRegion = kms.Region, MaxErrorRetry = 0 })
    {
        public DateTimeOffset? AfterListing { get; set; }

        public override async Task<ListKeysResponse> ListKeysAsync(ListKeysRequest request, CancellationToken cancellationToken = default)
        {
            var response = await base.ListKeysAsync(request, cancellationToken);
            Advance();
            return response;
        }

        public override async Task<ListAliasesResponse> ListAliasesAsync(ListAliasesRequest request, CancellationToken cancellationToken = default)
        {
            var response = await base.ListAliasesAsync(request, cancellationToken);
            if (request.KeyId is null)
            {
                Advance();
            }

            return response;
        }

        private void Advance()
        {
            if (AfterListing is { } then)
            {
                clock.Now = then;
                AfterListing = null;
            }
        }
    }

    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
