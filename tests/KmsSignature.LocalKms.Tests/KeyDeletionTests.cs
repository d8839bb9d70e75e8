using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsSignature.LocalKms.Tests.Infrastructure;

namespace KmsSignature.LocalKms.Tests;

/// <summary>
/// When the waiting period of ScheduleKeyDeletion ends, KMS deletes the key, its material and the aliases that
/// refer to it. Each test runs its own LocalKms on a clock it moves forward.
/// </summary>
public sealed class KeyDeletionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("localkms-deletion-").FullName;
    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_key_and_its_aliases_are_deleted_when_the_waiting_period_ends_and_not_a_second_before()
    {
        await using var kms = await LocalKmsServer.StartAsync(new LocalKmsOptions { TimeProvider = _clock });
        using var admin = KmsClients.Create(kms, kms.Admin);
        var doomed = await NewKeyAsync(admin);
        var kept = await NewKeyAsync(admin);
        await admin.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/doomed", TargetKeyId = doomed.KeyId });
        await admin.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/kept", TargetKeyId = kept.KeyId });

        var scheduled = await admin.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = doomed.KeyId, PendingWindowInDays = 7 });
        var deletionDate = _clock.Now.AddDays(7);
        Assert.Equal(deletionDate.ToUnixTimeSeconds(), new DateTimeOffset(scheduled.DeletionDate!.Value).ToUnixTimeSeconds());

        _clock.Now = deletionDate.AddSeconds(-1);
        Assert.Equal("PendingDeletion", (await admin.DescribeKeyAsync(new DescribeKeyRequest { KeyId = doomed.KeyId })).KeyMetadata.KeyState.Value);

        _clock.Now = deletionDate;
        var gone = await KmsAssert.ErrorAsync<NotFoundException>("NotFoundException",
            () => admin.DescribeKeyAsync(new DescribeKeyRequest { KeyId = doomed.KeyId }));
        Assert.Equal($"Key '{doomed.Arn}' does not exist", gone.Message);
        await KmsAssert.ErrorAsync<NotFoundException>("NotFoundException",
            () => admin.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = "alias/doomed" }));
        await KmsAssert.ErrorAsync<NotFoundException>("NotFoundException",
            () => admin.CancelKeyDeletionAsync(new CancelKeyDeletionRequest { KeyId = doomed.Arn }));

        var keys = (await admin.ListKeysAsync(new ListKeysRequest())).Keys.Select(k => k.KeyId).ToList();
        Assert.DoesNotContain(doomed.KeyId, keys);
        Assert.Contains(kept.KeyId, keys);
        var aliases = (await admin.ListAliasesAsync(new ListAliasesRequest())).Aliases.Select(a => a.AliasName).ToList();
        Assert.DoesNotContain("alias/doomed", aliases);
        Assert.Contains("alias/kept", aliases);
        Assert.Equal("Enabled", (await admin.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/kept" })).KeyMetadata.KeyState.Value);

        // The name is free again, as in KMS once the alias went with its key.
        await admin.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/doomed", TargetKeyId = kept.KeyId });
    }

    [Fact]
    public async Task A_canceled_deletion_never_happens()
    {
        await using var kms = await LocalKmsServer.StartAsync(new LocalKmsOptions { TimeProvider = _clock });
        using var admin = KmsClients.Create(kms, kms.Admin);
        var key = await NewKeyAsync(admin);
        await admin.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId, PendingWindowInDays = 7 });
        await admin.CancelKeyDeletionAsync(new CancelKeyDeletionRequest { KeyId = key.KeyId });

        _clock.Now = _clock.Now.AddDays(31);

        Assert.Equal("Disabled", (await admin.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId })).KeyMetadata.KeyState.Value);
    }

    [Fact]
    public async Task A_key_whose_date_passed_while_LocalKms_was_stopped_is_gone_after_the_restart_and_stays_gone()
    {
        string arn;
        await using (var kms = await LocalKmsServer.StartAsync(new LocalKmsOptions { DataDirectory = _dir, TimeProvider = _clock }))
        {
            using var admin = KmsClients.Create(kms, kms.Admin);
            arn = (await NewKeyAsync(admin)).Arn;
            await admin.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = arn, PendingWindowInDays = 30 });
        }

        _clock.Now = _clock.Now.AddDays(30).AddMinutes(1);
        await using (var kms = await LocalKmsServer.StartAsync(new LocalKmsOptions { DataDirectory = _dir, TimeProvider = _clock }))
        {
            using var admin = KmsClients.Create(kms, kms.Admin);
            await KmsAssert.ErrorAsync<NotFoundException>("NotFoundException", () => admin.DescribeKeyAsync(new DescribeKeyRequest { KeyId = arn }));
        }

        Assert.DoesNotContain(arn, File.ReadAllText(Path.Combine(_dir, "localkms-state.json")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_ListKeys_marker_stays_valid_when_its_key_is_deleted_before_the_next_call()
    {
        await using var kms = await LocalKmsServer.StartAsync(new LocalKmsOptions { TimeProvider = _clock });
        using var admin = KmsClients.Create(kms, kms.Admin);
        var keys = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            keys.Add((await NewKeyAsync(admin)).KeyId);
            _clock.Now = _clock.Now.AddSeconds(1);
        }

        await admin.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = keys[1], PendingWindowInDays = 7 });
        var first = await admin.ListKeysAsync(new ListKeysRequest { Limit = 1 });
        Assert.Equal(keys[0], Assert.Single(first.Keys).KeyId);

        _clock.Now = _clock.Now.AddDays(8);
        var second = await admin.ListKeysAsync(new ListKeysRequest { Limit = 1, Marker = first.NextMarker });
        Assert.Equal(keys[2], Assert.Single(second.Keys).KeyId);
        Assert.False(second.Truncated);
    }

    private static async Task<KeyMetadata> NewKeyAsync(IAmazonKeyManagementService admin) =>
        (await admin.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.ECC_NIST_P256, KeyUsage = KeyUsageType.SIGN_VERIFY })).KeyMetadata;

    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
