using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsSignature.LocalKms.Tests.Infrastructure;

namespace KmsSignature.LocalKms.Tests;

[Collection(TestCollection.Name)]
public sealed class KeyStateTests(LocalKmsFixture fixture)
{
    private Task<SignResponse> SignAsync(string keyId) =>
        fixture.Admin.SignAsync(new SignRequest { KeyId = keyId, Message = new MemoryStream([7]), SigningAlgorithm = "ECDSA_SHA_256" });

    [Fact]
    public async Task A_disabled_key_is_DisabledException_for_Sign_and_GetPublicKey_until_enabled()
    {
        var key = await fixture.NewKeyAsync();
        await fixture.Admin.DisableKeyAsync(new DisableKeyRequest { KeyId = key.KeyId });
        var m = (await fixture.Admin.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId })).KeyMetadata;
        Assert.False(m.Enabled);
        Assert.Equal("Disabled", m.KeyState.Value);

        var ex = await KmsAssert.ErrorAsync<DisabledException>("DisabledException", () => SignAsync(key.KeyId));
        Assert.Equal($"{key.Arn} is disabled.", ex.Message);
        await KmsAssert.ErrorAsync<DisabledException>("DisabledException", () => fixture.Admin.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId }));

        await fixture.Admin.EnableKeyAsync(new EnableKeyRequest { KeyId = key.Arn });
        await SignAsync(key.KeyId);
    }

    [Fact]
    public async Task Pending_deletion_is_KMSInvalidStateException_and_cancel_leaves_the_key_disabled()
    {
        var key = await fixture.NewKeyAsync();
        var scheduled = await fixture.Admin.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId, PendingWindowInDays = 7 });
        Assert.Equal(key.Arn, scheduled.KeyId);
        Assert.Equal("PendingDeletion", scheduled.KeyState.Value);
        Assert.Equal(7, scheduled.PendingWindowInDays);
        Assert.InRange(scheduled.DeletionDate!.Value.ToUniversalTime(), DateTime.UtcNow.AddDays(7).AddMinutes(-1), DateTime.UtcNow.AddDays(7).AddMinutes(1));

        var m = (await fixture.Admin.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId })).KeyMetadata;
        Assert.Equal("PendingDeletion", m.KeyState.Value);
        // KMS: PendingDeletionWindowInDays "is present only when the KeyState ... is PendingReplicaDeletion" (multi-Region primaries).
        Assert.Null(m.PendingDeletionWindowInDays);
        Assert.Equal(scheduled.DeletionDate, m.DeletionDate);

        var ex = await KmsAssert.ErrorAsync<KMSInvalidStateException>("KMSInvalidStateException", () => SignAsync(key.KeyId));
        Assert.Equal($"{key.Arn} is pending deletion.", ex.Message);
        await KmsAssert.ErrorAsync<KMSInvalidStateException>("KMSInvalidStateException", () => fixture.Admin.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId }));
        await KmsAssert.ErrorAsync<KMSInvalidStateException>("KMSInvalidStateException", () => fixture.Admin.EnableKeyAsync(new EnableKeyRequest { KeyId = key.KeyId }));
        await KmsAssert.ErrorAsync<KMSInvalidStateException>("KMSInvalidStateException", () => fixture.Admin.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId }));
        await KmsAssert.ErrorAsync<KMSInvalidStateException>("KMSInvalidStateException", () => fixture.Admin.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/pending-" + Guid.NewGuid().ToString("N"), TargetKeyId = key.KeyId }));

        var canceled = await fixture.Admin.CancelKeyDeletionAsync(new CancelKeyDeletionRequest { KeyId = key.Arn });
        Assert.Equal(key.Arn, canceled.KeyId);
        m = (await fixture.Admin.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId })).KeyMetadata;
        Assert.Equal("Disabled", m.KeyState.Value);
        Assert.Null(m.DeletionDate);
        await KmsAssert.ErrorAsync<KMSInvalidStateException>("KMSInvalidStateException", () => fixture.Admin.CancelKeyDeletionAsync(new CancelKeyDeletionRequest { KeyId = key.KeyId }));
    }

    [Theory]
    [InlineData(6)]
    [InlineData(31)]
    public async Task PendingWindowInDays_outside_7_to_30_is_ValidationException(int days)
    {
        var key = await fixture.NewKeyAsync();
        var ex = await KmsAssert.ErrorAsync("ValidationException", () => fixture.Admin.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId, PendingWindowInDays = days }));
        Assert.Contains("pendingWindowInDays", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lifecycle_operations_take_a_key_id_or_ARN_not_an_alias()
    {
        var key = await fixture.NewKeyAsync();
        var alias = "alias/state-" + Guid.NewGuid().ToString("N");
        await fixture.Admin.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = key.KeyId });
        await KmsAssert.ErrorAsync<NotFoundException>("NotFoundException", () => fixture.Admin.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = alias }));
        await KmsAssert.ErrorAsync<NotFoundException>("NotFoundException", () => fixture.Admin.DisableKeyAsync(new DisableKeyRequest { KeyId = alias }));
        Assert.True((await fixture.Admin.DescribeKeyAsync(new DescribeKeyRequest { KeyId = alias })).KeyMetadata.Enabled);
    }
}
