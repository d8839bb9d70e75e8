using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsSignature.LocalKms.Tests.Infrastructure;

namespace KmsSignature.LocalKms.Tests;

[Collection(TestCollection.Name)]
public sealed class KeyTests(LocalKmsFixture fixture)
{
    [Fact]
    public async Task CreateKey_returns_KMS_metadata()
    {
        var before = DateTime.UtcNow.AddSeconds(-1);
        var response = await fixture.Admin.CreateKeyAsync(new CreateKeyRequest
        {
            KeySpec = KeySpec.ECC_NIST_P384,
            KeyUsage = KeyUsageType.SIGN_VERIFY,
            Description = "metadata test",
            Tags = [new Tag { TagKey = "team", TagValue = "release" }],
        });
        var m = response.KeyMetadata;
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", m.KeyId);
        Assert.Equal($"arn:aws:kms:us-east-1:111122223333:key/{m.KeyId}", m.Arn);
        Assert.Equal("111122223333", m.AWSAccountId);
        Assert.InRange(m.CreationDate!.Value.ToUniversalTime(), before, DateTime.UtcNow.AddSeconds(1));
        Assert.True(m.Enabled);
        Assert.Equal("Enabled", m.KeyState.Value);
        Assert.Equal("SIGN_VERIFY", m.KeyUsage.Value);
        Assert.Equal("ECC_NIST_P384", m.KeySpec.Value);
        Assert.Equal(["ECDSA_SHA_384"], m.SigningAlgorithms);
        Assert.Equal("metadata test", m.Description);
        Assert.Equal("AWS_KMS", m.Origin.Value);
        Assert.Equal("CUSTOMER", m.KeyManager.Value);
        Assert.False(m.MultiRegion);
        Assert.Null(m.DeletionDate);

        var tags = await fixture.Admin.ListResourceTagsAsync(new ListResourceTagsRequest { KeyId = m.KeyId });
        Assert.Equal("release", Assert.Single(tags.Tags).TagValue);
    }

    [Fact]
    public async Task Multi_Region_keys_have_mrk_ids_and_a_primary_configuration()
    {
        var m = (await fixture.Admin.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.ECC_NIST_P256, KeyUsage = KeyUsageType.SIGN_VERIFY, MultiRegion = true })).KeyMetadata;
        Assert.Matches("^mrk-[0-9a-f]{32}$", m.KeyId);
        Assert.True(m.MultiRegion);
        Assert.Equal("PRIMARY", m.MultiRegionConfiguration.MultiRegionKeyType.Value);
        Assert.Equal(m.Arn, m.MultiRegionConfiguration.PrimaryKey.Arn);
        var described = (await fixture.Admin.DescribeKeyAsync(new DescribeKeyRequest { KeyId = m.KeyId })).KeyMetadata;
        Assert.Equal(m.Arn, described.Arn);
    }

    [Fact]
    public async Task CreateKey_defaults_to_a_SYMMETRIC_DEFAULT_ENCRYPT_DECRYPT_key()
    {
        var m = (await fixture.Admin.CreateKeyAsync(new CreateKeyRequest())).KeyMetadata;
        Assert.Equal("SYMMETRIC_DEFAULT", m.KeySpec.Value);
        Assert.Equal("ENCRYPT_DECRYPT", m.KeyUsage.Value);
        Assert.Empty(m.SigningAlgorithms ?? []);
    }

    [Theory]
    [InlineData("RSA_2048")]
    [InlineData("RSA_4096")]
    [InlineData("ECC_NIST_P256")]
    [InlineData("HMAC_256")]
    [InlineData("ML_DSA_44")]
    public async Task KeyUsage_is_required_for_every_key_but_a_symmetric_encryption_key(string keySpec)
    {
        // CreateKey KeyUsage: "The default value is ENCRYPT_DECRYPT. This parameter is optional when you are creating a
        // symmetric encryption KMS key; otherwise, it is required."
        var ex = await KmsAssert.ErrorAsync("ValidationException", () => fixture.Admin.CreateKeyAsync(new CreateKeyRequest { KeySpec = keySpec }));
        Assert.Contains("KeyUsage is required", ex.Message, StringComparison.Ordinal);

        var symmetric = (await fixture.Admin.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.SYMMETRIC_DEFAULT })).KeyMetadata;
        Assert.Equal("ENCRYPT_DECRYPT", symmetric.KeyUsage.Value);
    }

    [Theory]
    [InlineData("ECC_NIST_P256", "ENCRYPT_DECRYPT")]
    [InlineData("SYMMETRIC_DEFAULT", "SIGN_VERIFY")]
    [InlineData("ML_DSA_65", "ENCRYPT_DECRYPT")]
    [InlineData("ECC_NIST_EDWARDS25519", "KEY_AGREEMENT")]
    [InlineData("HMAC_256", "SIGN_VERIFY")]
    public async Task Incompatible_KeySpec_and_KeyUsage_are_ValidationException(string keySpec, string keyUsage)
    {
        var ex = await KmsAssert.ErrorAsync("ValidationException",
            () => fixture.Admin.CreateKeyAsync(new CreateKeyRequest { KeySpec = keySpec, KeyUsage = keyUsage }));
        Assert.Contains(keySpec, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_KeySpec_is_a_ValidationException_listing_the_enum()
    {
        var ex = await KmsAssert.ErrorAsync("ValidationException",
            () => fixture.Admin.CreateKeyAsync(new CreateKeyRequest { KeySpec = "ECC_NIST_P999", KeyUsage = KeyUsageType.SIGN_VERIFY }));
        Assert.Contains("Member must satisfy enum value set", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reserved_aws_tag_keys_are_TagException()
    {
        await KmsAssert.ErrorAsync<TagException>("TagException", () => fixture.Admin.CreateKeyAsync(new CreateKeyRequest
        {
            KeySpec = KeySpec.ECC_NIST_P256,
            KeyUsage = KeyUsageType.SIGN_VERIFY,
            Tags = [new Tag { TagKey = "aws:owner", TagValue = "x" }],
        }));
    }

    [Fact]
    public async Task Callers_without_an_identity_policy_cannot_CreateKey()
    {
        using var signer = fixture.Client(fixture.Kms.Signer);
        var ex = await KmsAssert.ErrorAsync("AccessDeniedException",
            () => signer.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.ECC_NIST_P256, KeyUsage = KeyUsageType.SIGN_VERIFY }));
        Assert.Equal(
            $"User: {fixture.Kms.Signer.Arn} is not authorized to perform: kms:CreateKey on resource: * because no identity-based policy allows the kms:CreateKey action",
            ex.Message);
    }

    [Theory]
    [InlineData("aws-cn")]
    [InlineData("aws-us-gov")]
    public async Task A_key_or_alias_ARN_of_another_partition_is_NotFoundException(string partition)
    {
        // An ARN names a resource in one partition, Region and account; LocalKms's keys are arn:aws:kms:<region>:<account>.
        // The same key id under another partition is another (absent) key, as under another Region.
        var key = await fixture.NewKeyAsync();
        var alias = "alias/partition-" + Guid.NewGuid().ToString("N");
        await fixture.Admin.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = key.KeyId });
        foreach (var identifier in new[] { key.Arn.Replace("arn:aws:", $"arn:{partition}:", StringComparison.Ordinal), $"arn:{partition}:kms:us-east-1:111122223333:{alias}" })
        {
            await KmsAssert.ErrorAsync<NotFoundException>("NotFoundException", () => fixture.Admin.DescribeKeyAsync(new DescribeKeyRequest { KeyId = identifier }));
            await KmsAssert.ErrorAsync<NotFoundException>("NotFoundException",
                () => fixture.Admin.SignAsync(new SignRequest { KeyId = identifier, Message = new MemoryStream([1]), SigningAlgorithm = "ECDSA_SHA_256" }));
        }

        await KmsAssert.ErrorAsync<NotFoundException>("NotFoundException",
            () => fixture.Admin.DisableKeyAsync(new DisableKeyRequest { KeyId = key.Arn.Replace("arn:aws:", $"arn:{partition}:", StringComparison.Ordinal) }));
        Assert.Equal(KeyState.Enabled, (await fixture.Admin.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.Arn })).KeyMetadata.KeyState);
    }

    [Fact]
    public async Task DescribeKey_accepts_key_id_key_ARN_alias_name_and_alias_ARN()
    {
        var key = await fixture.NewKeyAsync();
        var alias = "alias/describe-" + Guid.NewGuid().ToString("N");
        await fixture.Admin.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = key.KeyId });
        foreach (var identifier in new[] { key.KeyId, key.Arn, alias, $"arn:aws:kms:us-east-1:111122223333:{alias}" })
        {
            var m = (await fixture.Admin.DescribeKeyAsync(new DescribeKeyRequest { KeyId = identifier })).KeyMetadata;
            Assert.Equal(key.Arn, m.Arn);
        }
    }

    [Theory]
    [InlineData("1234abcd-12ab-34cd-56ef-1234567890ab")]
    [InlineData("arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab")]
    [InlineData("alias/does-not-exist")]
    [InlineData("arn:aws:kms:us-east-1:111122223333:alias/does-not-exist")]
    [InlineData("not-a-key-id")]
    [InlineData("arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab")]
    public async Task Unknown_keys_and_aliases_are_NotFoundException(string identifier)
    {
        await KmsAssert.ErrorAsync<NotFoundException>("NotFoundException", () => fixture.Admin.DescribeKeyAsync(new DescribeKeyRequest { KeyId = identifier }));
    }

    [Fact]
    public async Task ListKeys_paginates_with_Limit_Marker_NextMarker_and_Truncated()
    {
        for (var i = 0; i < 3; i++)
        {
            await fixture.NewKeyAsync();
        }

        var all = new List<string>();
        var sizes = new List<int>();
        string? marker = null;
        do
        {
            var page = await fixture.Admin.ListKeysAsync(new ListKeysRequest { Limit = 2, Marker = marker });
            sizes.Add(page.Keys.Count);
            Assert.All(page.Keys, k => Assert.Equal($"arn:aws:kms:us-east-1:111122223333:key/{k.KeyId}", k.KeyArn));
            all.AddRange(page.Keys.Select(static k => k.KeyId));
            Assert.Equal(page.Truncated == true, page.NextMarker is not null);
            marker = page.NextMarker;
        }
        while (marker is not null);

        // Other tests share the account, so the key count is known only here: full pages of two, then the rest.
        Assert.True(all.Count >= 3, $"{all.Count} keys");
        Assert.Equal(Enumerable.Repeat(2, all.Count / 2).Concat(all.Count % 2 == 1 ? [1] : []), sizes);
        Assert.Equal(all.Count, all.Distinct().Count());
        var unpaged = await fixture.Admin.ListKeysAsync(new ListKeysRequest { Limit = 1000 });
        Assert.Equal(unpaged.Keys.Select(static k => k.KeyId), all);
    }

    [Fact]
    public async Task ListKeys_rejects_a_bad_marker()
    {
        await KmsAssert.ErrorAsync<InvalidMarkerException>("InvalidMarkerException", () => fixture.Admin.ListKeysAsync(new ListKeysRequest { Marker = "bm9wZQ==" }));
    }

    [Fact]
    public async Task UpdateKeyDescription_and_tags_round_trip()
    {
        var key = await fixture.NewKeyAsync();
        await fixture.Admin.UpdateKeyDescriptionAsync(new UpdateKeyDescriptionRequest { KeyId = key.Arn, Description = "new words" });
        Assert.Equal("new words", (await fixture.Admin.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId })).KeyMetadata.Description);

        await fixture.Admin.TagResourceAsync(new TagResourceRequest { KeyId = key.KeyId, Tags = [new Tag { TagKey = "a", TagValue = "1" }, new Tag { TagKey = "b", TagValue = "2" }] });
        await fixture.Admin.UntagResourceAsync(new UntagResourceRequest { KeyId = key.KeyId, TagKeys = ["a"] });
        var tags = await fixture.Admin.ListResourceTagsAsync(new ListResourceTagsRequest { KeyId = key.KeyId });
        Assert.Equal("b", Assert.Single(tags.Tags).TagKey);
    }

    [Fact]
    public async Task A_ListResourceTags_marker_stays_valid_when_tags_change_before_the_next_call()
    {
        // KMS: Marker is "the value of NextMarker from the truncated response you just received"; a tag removed or
        // re-tagged in between must neither void it nor make a page repeat or skip another tag.
        var key = await fixture.NewKeyAsync();
        await fixture.Admin.TagResourceAsync(new TagResourceRequest { KeyId = key.KeyId, Tags = [new Tag { TagKey = "a", TagValue = "1" }, new Tag { TagKey = "b", TagValue = "2" }, new Tag { TagKey = "c", TagValue = "3" }, new Tag { TagKey = "d", TagValue = "4" }] });
        var first = await fixture.Admin.ListResourceTagsAsync(new ListResourceTagsRequest { KeyId = key.KeyId, Limit = 1 });
        Assert.Equal("a", Assert.Single(first.Tags).TagKey);
        Assert.True(first.Truncated);

        await fixture.Admin.UntagResourceAsync(new UntagResourceRequest { KeyId = key.KeyId, TagKeys = ["b"] });
        await fixture.Admin.TagResourceAsync(new TagResourceRequest { KeyId = key.KeyId, Tags = [new Tag { TagKey = "c", TagValue = "new" }] });

        var rest = await fixture.Admin.ListResourceTagsAsync(new ListResourceTagsRequest { KeyId = key.KeyId, Marker = first.NextMarker });
        Assert.Equal(["c=new", "d=4"], rest.Tags.Select(static t => $"{t.TagKey}={t.TagValue}"));
        Assert.False(rest.Truncated);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(129)]
    public async Task UntagResource_tag_keys_outside_1_to_128_characters_are_ValidationException(int length)
    {
        // KMS: UntagResource TagKeys members are 1-128 characters, like the TagKey they name.
        var key = await fixture.NewKeyAsync();
        var ex = await KmsAssert.ErrorAsync("ValidationException",
            () => fixture.Admin.UntagResourceAsync(new UntagResourceRequest { KeyId = key.KeyId, TagKeys = [new string('k', length)] }));
        Assert.Contains("tagKeys", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Operations_LocalKms_does_not_implement_are_UnsupportedOperationException()
    {
        var key = await fixture.NewKeyAsync("SYMMETRIC_DEFAULT", keyUsage: "ENCRYPT_DECRYPT");
        var ex = await KmsAssert.ErrorAsync("UnsupportedOperationException",
            () => fixture.Admin.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream([1, 2, 3]) }));
        Assert.Contains("Encrypt", ex.Message, StringComparison.Ordinal);
    }
}
