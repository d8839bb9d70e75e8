using Amazon.KeyManagementService.Model;
using KmsSignature.LocalKms.Tests.Infrastructure;

namespace KmsSignature.LocalKms.Tests;

/// <summary>
/// KMS validates a request against its model (lengths, patterns, ranges, JSON types) before it looks up the key, so a
/// malformed request naming an unknown key is rejected for its shape, not with NotFoundException. Raw requests carry
/// the values the SDK would refuse client-side.
/// </summary>
[Collection(TestCollection.Name)]
public sealed class RequestValidationOrderTests(LocalKmsFixture fixture)
{
    private const string RootPolicy =
        """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}""";

    [Theory]
    [InlineData("UpdateKeyDescription", "", "ValidationException")]
    [InlineData("UpdateKeyDescription", ""","Description":7 """, "SerializationException")]
    [InlineData("ScheduleKeyDeletion", ""","PendingWindowInDays":6 """, "ValidationException")]
    [InlineData("ScheduleKeyDeletion", ""","PendingWindowInDays":31 """, "ValidationException")]
    [InlineData("ScheduleKeyDeletion", ""","PendingWindowInDays":"7" """, "SerializationException")]
    [InlineData("TagResource", "", "ValidationException")]
    [InlineData("TagResource", ""","Tags":[{"TagKey":"","TagValue":"v"}] """, "ValidationException")]
    [InlineData("TagResource", ""","Tags":[{"TagKey":"k"}] """, "ValidationException")]
    [InlineData("TagResource", ""","Tags":"k=v" """, "SerializationException")]
    [InlineData("UntagResource", "", "ValidationException")]
    [InlineData("UntagResource", ""","TagKeys":[""] """, "ValidationException")]
    [InlineData("UntagResource", ""","TagKeys":[1] """, "SerializationException")]
    [InlineData("ListResourceTags", ""","Limit":51 """, "ValidationException")]
    [InlineData("ListResourceTags", ""","Marker":"" """, "ValidationException")]
    [InlineData("ListResourceTags", ""","Marker":"\u0100" """, "ValidationException")]
    [InlineData("DescribeKey", ""","GrantTokens":[""] """, "ValidationException")]
    [InlineData("GetPublicKey", ""","GrantTokens":"token" """, "SerializationException")]
    [InlineData("GetKeyPolicy", ""","PolicyName":"my-policy" """, "ValidationException")]
    [InlineData("PutKeyPolicy", ""","PolicyName":"my-policy","Policy":"{}" """, "ValidationException")]
    [InlineData("PutKeyPolicy", ""","Policy":"{\"Id\":\"\u0100\"}" """, "ValidationException")]
    [InlineData("PutKeyPolicy", ""","Policy":"" """, "ValidationException")]
    [InlineData("PutKeyPolicy", "", "ValidationException")]
    [InlineData("PutKeyPolicy", ""","Policy":"{}","BypassPolicyLockoutSafetyCheck":"yes" """, "SerializationException")]
    [InlineData("ListKeyPolicies", ""","Limit":1001 """, "ValidationException")]
    public async Task A_malformed_request_for_an_unknown_key_is_rejected_for_its_shape_not_NotFoundException(string operation, string members, string error)
    {
        using var raw = new RawKmsClient(fixture.Kms);
        var response = await raw.SendAsync("TrentService." + operation, $$"""{"KeyId":"{{Guid.NewGuid()}}"{{members.TrimEnd()}}}""");
        Assert.Equal(error, response.ErrorType);
    }

    [Fact]
    public async Task A_well_formed_request_for_an_unknown_key_is_NotFoundException()
    {
        var unknown = Guid.NewGuid().ToString();
        var kms = fixture.Admin;
        await KmsAssert.ErrorAsync<NotFoundException>("NotFoundException", () => kms.UpdateKeyDescriptionAsync(new UpdateKeyDescriptionRequest { KeyId = unknown, Description = "d" }));
        await KmsAssert.ErrorAsync<NotFoundException>("NotFoundException", () => kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = unknown, PendingWindowInDays = 7 }));
        await KmsAssert.ErrorAsync<NotFoundException>("NotFoundException", () => kms.TagResourceAsync(new TagResourceRequest { KeyId = unknown, Tags = [new Tag { TagKey = "k", TagValue = "v" }] }));
        await KmsAssert.ErrorAsync<NotFoundException>("NotFoundException", () => kms.UntagResourceAsync(new UntagResourceRequest { KeyId = unknown, TagKeys = ["k"] }));
        await KmsAssert.ErrorAsync<NotFoundException>("NotFoundException", () => kms.ListResourceTagsAsync(new ListResourceTagsRequest { KeyId = unknown, Limit = 50 }));
        await KmsAssert.ErrorAsync<NotFoundException>("NotFoundException", () => kms.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = unknown, PolicyName = "default" }));
        await KmsAssert.ErrorAsync<NotFoundException>("NotFoundException", () => kms.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = unknown, Policy = RootPolicy }));
    }
}
