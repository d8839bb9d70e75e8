using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsSignature.LocalKms.Tests.Infrastructure;

namespace KmsSignature.LocalKms.Tests;

[Collection(TestCollection.Name)]
public sealed class AliasTests(LocalKmsFixture fixture)
{
    private static string NewAlias() => "alias/test/" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Create_list_update_and_delete_an_alias()
    {
        var first = await fixture.NewKeyAsync();
        var second = await fixture.NewKeyAsync("ECC_NIST_P384");
        var alias = NewAlias();
        var before = DateTime.UtcNow.AddSeconds(-1); // KMS dates are whole seconds or finer; allow the rounding
        await fixture.Admin.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = first.Arn });
        var after = DateTime.UtcNow.AddSeconds(1);

        var listed = Assert.Single((await fixture.Admin.ListAliasesAsync(new ListAliasesRequest { KeyId = first.KeyId })).Aliases);
        Assert.Equal(alias, listed.AliasName);
        Assert.Equal($"arn:aws:kms:us-east-1:111122223333:{alias}", listed.AliasArn);
        Assert.Equal(first.KeyId, listed.TargetKeyId);
        Assert.InRange(listed.CreationDate!.Value.ToUniversalTime(), before, after);

        await fixture.Admin.UpdateAliasAsync(new UpdateAliasRequest { AliasName = alias, TargetKeyId = second.KeyId });
        Assert.Equal(second.Arn, (await fixture.Admin.DescribeKeyAsync(new DescribeKeyRequest { KeyId = alias })).KeyMetadata.Arn);
        Assert.Empty((await fixture.Admin.ListAliasesAsync(new ListAliasesRequest { KeyId = first.KeyId })).Aliases);

        await fixture.Admin.DeleteAliasAsync(new DeleteAliasRequest { AliasName = alias });
        await KmsAssert.ErrorAsync<NotFoundException>("NotFoundException", () => fixture.Admin.DescribeKeyAsync(new DescribeKeyRequest { KeyId = alias }));
        await KmsAssert.ErrorAsync<NotFoundException>("NotFoundException", () => fixture.Admin.DeleteAliasAsync(new DeleteAliasRequest { AliasName = alias }));
    }

    [Fact]
    public async Task Sign_accepts_alias_name_and_alias_ARN()
    {
        var key = await fixture.NewKeyAsync();
        var alias = NewAlias();
        await fixture.Admin.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = key.KeyId });
        foreach (var identifier in new[] { alias, $"arn:aws:kms:us-east-1:111122223333:{alias}" })
        {
            var response = await fixture.Admin.SignAsync(new SignRequest { KeyId = identifier, Message = new MemoryStream([1]), SigningAlgorithm = "ECDSA_SHA_256" });
            Assert.Equal(key.Arn, response.KeyId);
        }
    }

    [Fact]
    public async Task An_existing_alias_is_AlreadyExistsException()
    {
        var key = await fixture.NewKeyAsync();
        var alias = NewAlias();
        await fixture.Admin.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = key.KeyId });
        var ex = await KmsAssert.ErrorAsync<AlreadyExistsException>("AlreadyExistsException",
            () => fixture.Admin.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = key.KeyId }));
        Assert.Contains(alias, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no-prefix")]
    [InlineData("alias/has space")]
    [InlineData("alias/bad:char")]
    [InlineData("alias/")]
    public async Task Invalid_alias_names_are_ValidationException(string alias)
    {
        var key = await fixture.NewKeyAsync();
        await KmsAssert.ErrorAsync("ValidationException", () => fixture.Admin.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = key.KeyId }));
    }

    [Theory]
    [InlineData("alias/has space")]
    [InlineData("no prefix")]
    [InlineData("alias/ünïcode")]
    public async Task Alias_names_outside_the_model_pattern_are_reported_with_that_pattern(string alias)
    {
        // AliasName is the model's AliasNameType: 1-256 characters of ^[a-zA-Z0-9:/_-]+$. KMS validates the model first,
        // so such a name is reported against that pattern (in CreateAlias, UpdateAlias and DeleteAlias alike).
        var key = await fixture.NewKeyAsync();
        var expected = $"1 validation error detected: Value '{alias}' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$";
        var create = await KmsAssert.ErrorAsync("ValidationException", () => fixture.Admin.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = key.KeyId }));
        Assert.Equal(expected, create.Message);
        var update = await KmsAssert.ErrorAsync("ValidationException", () => fixture.Admin.UpdateAliasAsync(new UpdateAliasRequest { AliasName = alias, TargetKeyId = key.KeyId }));
        Assert.Equal(expected, update.Message);
        var delete = await KmsAssert.ErrorAsync("ValidationException", () => fixture.Admin.DeleteAliasAsync(new DeleteAliasRequest { AliasName = alias }));
        Assert.Equal(expected, delete.Message);
    }

    [Fact]
    public async Task Aliases_over_256_characters_are_ValidationException()
    {
        var key = await fixture.NewKeyAsync();
        await fixture.Admin.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/" + new string('a', 250), TargetKeyId = key.KeyId });
        await KmsAssert.ErrorAsync("ValidationException", () => fixture.Admin.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/" + new string('b', 251), TargetKeyId = key.KeyId }));
    }

    [Fact]
    public async Task The_alias_aws_prefix_is_reserved()
    {
        var key = await fixture.NewKeyAsync();
        await KmsAssert.ErrorAsync("NotAuthorizedException", () => fixture.Admin.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/aws/mine", TargetKeyId = key.KeyId }));
    }

    [Fact]
    public async Task TargetKeyId_must_be_a_key_id_or_key_ARN_not_an_alias()
    {
        var key = await fixture.NewKeyAsync();
        var alias = NewAlias();
        await fixture.Admin.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = key.KeyId });
        await KmsAssert.ErrorAsync<NotFoundException>("NotFoundException", () => fixture.Admin.CreateAliasAsync(new CreateAliasRequest { AliasName = NewAlias(), TargetKeyId = alias }));
    }

    [Fact]
    public async Task UpdateAlias_refuses_a_key_of_another_key_usage()
    {
        var signing = await fixture.NewKeyAsync();
        var encryption = await fixture.NewKeyAsync("SYMMETRIC_DEFAULT", keyUsage: "ENCRYPT_DECRYPT");
        var alias = NewAlias();
        await fixture.Admin.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = signing.KeyId });
        await KmsAssert.ErrorAsync("ValidationException", () => fixture.Admin.UpdateAliasAsync(new UpdateAliasRequest { AliasName = alias, TargetKeyId = encryption.KeyId }));
    }

    [Fact]
    public async Task A_key_takes_at_most_50_aliases()
    {
        // KMS resource quota "Aliases per KMS key: 50" ("You can associate up to 50 aliases with each customer managed key");
        // beyond a resource quota KMS answers LimitExceededException, which CreateAlias and UpdateAlias both list.
        var key = await fixture.NewKeyAsync();
        var other = await fixture.NewKeyAsync();
        var prefix = NewAlias();
        for (var i = 0; i < 50; i++)
        {
            await fixture.Admin.CreateAliasAsync(new CreateAliasRequest { AliasName = $"{prefix}-{i:D2}", TargetKeyId = key.KeyId });
        }

        var create = await KmsAssert.ErrorAsync<LimitExceededException>("LimitExceededException",
            () => fixture.Admin.CreateAliasAsync(new CreateAliasRequest { AliasName = prefix + "-50", TargetKeyId = key.KeyId }));
        Assert.Contains("50", create.Message, StringComparison.Ordinal);

        var elsewhere = NewAlias();
        await fixture.Admin.CreateAliasAsync(new CreateAliasRequest { AliasName = elsewhere, TargetKeyId = other.KeyId });
        await KmsAssert.ErrorAsync<LimitExceededException>("LimitExceededException",
            () => fixture.Admin.UpdateAliasAsync(new UpdateAliasRequest { AliasName = elsewhere, TargetKeyId = key.Arn }));
        Assert.Equal(other.Arn, (await fixture.Admin.DescribeKeyAsync(new DescribeKeyRequest { KeyId = elsewhere })).KeyMetadata.Arn);
        Assert.Equal(50, (await fixture.Admin.ListAliasesAsync(new ListAliasesRequest { KeyId = key.KeyId, Limit = 100 })).Aliases.Count);

        // Re-pointing one of the 50 at the key it already names is no new association; a freed place can be taken again.
        await fixture.Admin.UpdateAliasAsync(new UpdateAliasRequest { AliasName = prefix + "-00", TargetKeyId = key.KeyId });
        await fixture.Admin.DeleteAliasAsync(new DeleteAliasRequest { AliasName = prefix + "-00" });
        await fixture.Admin.UpdateAliasAsync(new UpdateAliasRequest { AliasName = elsewhere, TargetKeyId = key.KeyId });
        Assert.Equal(key.Arn, (await fixture.Admin.DescribeKeyAsync(new DescribeKeyRequest { KeyId = elsewhere })).KeyMetadata.Arn);
    }

    [Fact]
    public async Task ListAliases_paginates()
    {
        var key = await fixture.NewKeyAsync();
        var names = Enumerable.Range(0, 5).Select(_ => NewAlias()).ToList();
        foreach (var name in names)
        {
            await fixture.Admin.CreateAliasAsync(new CreateAliasRequest { AliasName = name, TargetKeyId = key.KeyId });
        }

        var seen = new List<string>();
        var sizes = new List<int>();
        string? marker = null;
        do
        {
            var page = await fixture.Admin.ListAliasesAsync(new ListAliasesRequest { KeyId = key.Arn, Limit = 2, Marker = marker });
            sizes.Add(page.Aliases.Count);
            seen.AddRange(page.Aliases.Select(static a => a.AliasName));
            marker = page.Truncated == true ? page.NextMarker : null;
        }
        while (marker is not null);

        Assert.Equal(names.Order(StringComparer.Ordinal), seen);
        Assert.Equal([2, 2, 1], sizes); // full pages until the last: five aliases, two at a time
    }

    [Fact]
    public async Task ListAliases_lists_the_predefined_AWS_aliases_without_a_target_key_as_KMS_does_unless_a_KeyId_filters()
    {
        var key = await fixture.NewKeyAsync();
        var mine = NewAlias();
        await fixture.Admin.CreateAliasAsync(new CreateAliasRequest { AliasName = mine, TargetKeyId = key.KeyId });

        var listed = new List<AliasListEntry>();
        string? marker = null;
        do
        {
            var page = await fixture.Admin.ListAliasesAsync(new ListAliasesRequest { Limit = 3, Marker = marker });
            listed.AddRange(page.Aliases);
            marker = page.Truncated == true ? page.NextMarker : null;
        }
        while (marker is not null);

        var names = listed.Select(static a => a.AliasName).ToList();
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.Equal(names.Distinct().Count(), names.Count);
        var predefined = listed.Where(static a => a.AliasName.StartsWith("alias/aws/", StringComparison.Ordinal)).ToList();
        Assert.Contains(predefined, static a => a.AliasName == "alias/aws/s3");
        Assert.All(predefined, static a =>
        {
            Assert.Null(a.TargetKeyId);
            Assert.Null(a.CreationDate);
            Assert.Equal($"arn:aws:kms:us-east-1:111122223333:{a.AliasName}", a.AliasArn);
        });
        Assert.Equal(key.KeyId, Assert.Single(listed, a => a.AliasName == mine).TargetKeyId);

        // A KeyId lists the aliases of that key only; the predefined ones name none.
        Assert.Equal([mine], (await fixture.Admin.ListAliasesAsync(new ListAliasesRequest { KeyId = key.KeyId })).Aliases.Select(static a => a.AliasName));
    }

    [Fact]
    public async Task ListAliases_markers_stay_within_the_320_characters_the_Marker_member_allows()
    {
        // Alias names are up to 256 characters; a NextMarker must be sendable back (Marker: the model's MarkerType, 1-1024
        // characters; it was 1-320 in older models, which this still fits).
        var key = await fixture.NewKeyAsync();
        var shortName = NewAlias();
        var longName = "alias/" + new string('z', 250);
        await fixture.Admin.CreateAliasAsync(new CreateAliasRequest { AliasName = shortName, TargetKeyId = key.KeyId });
        await fixture.Admin.CreateAliasAsync(new CreateAliasRequest { AliasName = longName, TargetKeyId = key.KeyId });

        var first = await fixture.Admin.ListAliasesAsync(new ListAliasesRequest { KeyId = key.KeyId, Limit = 1 });
        Assert.Equal(shortName, Assert.Single(first.Aliases).AliasName);
        Assert.True(first.Truncated);
        Assert.InRange(first.NextMarker.Length, 1, 320);

        var second = await fixture.Admin.ListAliasesAsync(new ListAliasesRequest { KeyId = key.KeyId, Limit = 1, Marker = first.NextMarker });
        Assert.Equal(longName, Assert.Single(second.Aliases).AliasName);
        Assert.False(second.Truncated);
    }

    [Fact]
    public async Task Markers_are_validated_as_the_models_MarkerType()
    {
        // Every List operation's Marker is MarkerType: 1-1024 characters, pattern [\u0020-\u00FF]*. Past the model,
        // a marker KMS did not issue is the operation's InvalidMarkerException.
        var key = await fixture.NewKeyAsync();
        var long600 = "alias/" + new string('~', 594);
        var page = await fixture.Admin.ListAliasesAsync(new ListAliasesRequest { KeyId = key.KeyId, Marker = long600 });
        Assert.Empty(page.Aliases);
        Assert.False(page.Truncated);
        await KmsAssert.ErrorAsync<InvalidMarkerException>("InvalidMarkerException",
            () => fixture.Admin.ListAliasesAsync(new ListAliasesRequest { Marker = new string('m', 1024) }));
        Assert.False((await fixture.Admin.ListKeyPoliciesAsync(new ListKeyPoliciesRequest { KeyId = key.KeyId, Marker = new string('m', 600) })).Truncated);

        var tooLong = await KmsAssert.ErrorAsync("ValidationException",
            () => fixture.Admin.ListAliasesAsync(new ListAliasesRequest { Marker = "alias/" + new string('a', 1019) }));
        Assert.EndsWith("at 'marker' failed to satisfy constraint: Member must have length less than or equal to 1024", tooLong.Message, StringComparison.Ordinal);
        foreach (var call in new Func<string, Task>[]
        {
            marker => fixture.Admin.ListKeysAsync(new ListKeysRequest { Marker = marker }),
            marker => fixture.Admin.ListAliasesAsync(new ListAliasesRequest { Marker = marker }),
            marker => fixture.Admin.ListResourceTagsAsync(new ListResourceTagsRequest { KeyId = key.KeyId, Marker = marker }),
            marker => fixture.Admin.ListKeyPoliciesAsync(new ListKeyPoliciesRequest { KeyId = key.KeyId, Marker = marker }),
        })
        {
            var ex = await KmsAssert.ErrorAsync("ValidationException", () => call("alias/€"));
            Assert.EndsWith(@"at 'marker' failed to satisfy constraint: Member must satisfy regular expression pattern: [\u0020-\u00FF]*", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_ListAliases_marker_stays_valid_when_its_alias_is_deleted_before_the_next_call()
    {
        var key = await fixture.NewKeyAsync();
        var prefix = NewAlias();
        foreach (var name in new[] { prefix + "-a", prefix + "-b", prefix + "-c" })
        {
            await fixture.Admin.CreateAliasAsync(new CreateAliasRequest { AliasName = name, TargetKeyId = key.KeyId });
        }

        var first = await fixture.Admin.ListAliasesAsync(new ListAliasesRequest { KeyId = key.KeyId, Limit = 1 });
        Assert.Equal(prefix + "-a", Assert.Single(first.Aliases).AliasName);
        await fixture.Admin.DeleteAliasAsync(new DeleteAliasRequest { AliasName = prefix + "-b" });

        var second = await fixture.Admin.ListAliasesAsync(new ListAliasesRequest { KeyId = key.KeyId, Limit = 1, Marker = first.NextMarker });
        Assert.Equal(prefix + "-c", Assert.Single(second.Aliases).AliasName);
        Assert.False(second.Truncated);
    }

    [Fact]
    public async Task Alias_operations_need_an_identity_policy_for_the_alias()
    {
        var key = await fixture.NewKeyAsync();
        using var signer = fixture.Client(fixture.Kms.Signer);
        var alias = NewAlias();
        var ex = await KmsAssert.ErrorAsync("AccessDeniedException", () => signer.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = key.KeyId }));
        Assert.Contains($"kms:CreateAlias on resource: arn:aws:kms:us-east-1:111122223333:{alias}", ex.Message, StringComparison.Ordinal);
    }
}
