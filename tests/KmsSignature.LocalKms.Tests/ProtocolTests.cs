using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using KmsSignature.LocalKms.Tests.Infrastructure;

namespace KmsSignature.LocalKms.Tests;

/// <summary>The wire protocol and its error shapes, with hand-made requests where the SDK could not send them.</summary>
[Collection(TestCollection.Name)]
public sealed class ProtocolTests(LocalKmsFixture fixture) : IDisposable
{
    private readonly RawKmsClient _raw = new(fixture.Kms);

    public void Dispose() => _raw.Dispose();

    [Theory]
    [InlineData("TrentService.DoSomethingElse")]
    [InlineData("DynamoDB_20120810.ListTables")]
    [InlineData(null)]
    public async Task Unknown_targets_are_UnknownOperationException(string? target)
    {
        var response = await _raw.SendAsync(target, "{}");
        Assert.Equal(400, response.Status);
        Assert.Equal("UnknownOperationException", response.ErrorType);
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", response.RequestId);
    }

    [Theory]
    [InlineData("GetKeyLastUsage")]
    [InlineData("RotateKeyOnDemand")]
    [InlineData("DeriveSharedSecret")]
    public async Task Real_KMS_operations_LocalKms_lacks_are_UnsupportedOperationException_not_unknown(string operation)
    {
        // README contract: real KMS operations LocalKms does not implement answer UnsupportedOperationException; only
        // targets KMS does not have are UnknownOperationException. GetKeyLastUsage is in the KMS API reference.
        var response = await _raw.SendAsync("TrentService." + operation, "{\"KeyId\":\"1234abcd-12ab-34cd-56ef-1234567890ab\"}");
        Assert.Equal(400, response.Status);
        Assert.Equal("UnsupportedOperationException", response.ErrorType);
    }

    [Theory]
    [InlineData("TrentService.DescribeKey", "{\"KeyId\":")]
    [InlineData("TrentService.DescribeKey", "[1,2]")]
    [InlineData("TrentService.DescribeKey", "\"text\"")]
    [InlineData("TrentService.DescribeKey", "{\"KeyId\":123}")]
    [InlineData("TrentService.DescribeKey", "{\"KeyId\":{\"nested\":true}}")]
    [InlineData("TrentService.ListKeys", "{\"Limit\":\"ten\"}")]
    [InlineData("TrentService.ListKeys", "{\"Limit\":1.5}")]
    [InlineData("TrentService.CreateKey", "{\"MultiRegion\":\"yes\"}")]
    [InlineData("TrentService.CreateKey", "{\"Tags\":{\"TagKey\":\"a\"}}")]
    [InlineData("TrentService.Sign", "{\"KeyId\":\"alias/x\",\"Message\":\"***not base64***\",\"SigningAlgorithm\":\"ECDSA_SHA_256\"}")]
    public async Task Invalid_JSON_and_wrong_JSON_types_are_SerializationException(string target, string body)
    {
        var response = await _raw.SendAsync(target, body);
        Assert.Equal(400, response.Status);
        Assert.Equal("SerializationException", response.ErrorType);
    }

    [Theory]
    [InlineData("TrentService.DescribeKey", "{}", "Value null at 'keyId' failed to satisfy constraint: Member must not be null")]
    [InlineData("TrentService.Sign", "{\"KeyId\":\"alias/x\",\"SigningAlgorithm\":\"ECDSA_SHA_256\"}", "at 'message'")]
    [InlineData("TrentService.ListKeys", "{\"Limit\":1001}", "Member must have value less than or equal to 1000")]
    [InlineData("TrentService.ListKeys", "{\"Limit\":0}", "Member must have value greater than or equal to 1")]
    [InlineData("TrentService.DescribeKey", "{\"KeyId\":\"\"}", "Member must have length greater than or equal to 1")]
    [InlineData("TrentService.CreateKey", "{\"KeyUsage\":\"SIGN\"}", "Member must satisfy enum value set")]
    public async Task Missing_or_out_of_range_members_are_ValidationException(string target, string body, string message)
    {
        var response = await _raw.SendAsync(target, body);
        Assert.Equal(400, response.Status);
        Assert.Equal("ValidationException", response.ErrorType);
        Assert.Contains(message, response.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Oversize_bodies_are_refused_with_413()
    {
        var body = "{\"KeyId\":\"" + new string('a', 600_000) + "\"}";
        var response = await _raw.SendAsync("TrentService.DescribeKey", body);
        Assert.Equal(413, response.Status);
        Assert.Equal("RequestEntityTooLargeException", response.ErrorType);
    }

    [Fact]
    public async Task Unsigned_requests_are_MissingAuthenticationTokenException()
    {
        var response = await _raw.SendAsync("TrentService.ListKeys", "{}", sign: false);
        Assert.Equal(400, response.Status);
        Assert.Equal("MissingAuthenticationTokenException", response.ErrorType);
    }

    [Fact]
    public async Task Unknown_access_keys_are_UnrecognizedClientException()
    {
        using var client = KmsClients.Create(fixture.Kms.Endpoint, fixture.Kms.Region, new BasicAWSCredentials("AKIAUNKNOWNUNKNOWN00", "secret"));
        var ex = await KmsAssert.ErrorAsync("UnrecognizedClientException", () => client.ListKeysAsync(new ListKeysRequest()));
        Assert.Equal("The security token included in the request is invalid.", ex.Message);
    }

    [Fact]
    public async Task A_wrong_secret_is_InvalidSignatureException()
    {
        using var client = KmsClients.Create(fixture.Kms.Endpoint, fixture.Kms.Region, new BasicAWSCredentials(fixture.Kms.Admin.AccessKeyId, "wrong-secret"));
        var ex = await KmsAssert.ErrorAsync("InvalidSignatureException", () => client.ListKeysAsync(new ListKeysRequest()));
        Assert.StartsWith("The request signature we calculated does not match the signature you provided.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_credential_scope_for_another_Region_is_InvalidSignatureException()
    {
        using var client = KmsClients.Create(fixture.Kms.Endpoint, "eu-west-1", new BasicAWSCredentials(fixture.Kms.Admin.AccessKeyId, fixture.Kms.Admin.SecretAccessKey));
        await KmsAssert.ErrorAsync("InvalidSignatureException", () => client.ListKeysAsync(new ListKeysRequest()));
    }

    [Fact]
    public async Task Responses_carry_a_request_id_the_SDK_exposes()
    {
        var response = await fixture.Admin.ListKeysAsync(new ListKeysRequest { Limit = 1 });
        Assert.Matches("^[0-9a-f-]{36}$", response.ResponseMetadata.RequestId);
    }

    /// <summary>Every implemented operation, fed hostile bodies, answers 4xx and the server keeps serving.</summary>
    [Fact]
    public async Task Hostile_bodies_never_cause_a_5xx_or_take_the_server_down()
    {
        string[] operations =
        [
            "CreateKey", "DescribeKey", "ListKeys", "UpdateKeyDescription", "EnableKey", "DisableKey", "ScheduleKeyDeletion",
            "CancelKeyDeletion", "CreateAlias", "UpdateAlias", "DeleteAlias", "ListAliases", "GetKeyPolicy", "PutKeyPolicy",
            "ListKeyPolicies", "GetPublicKey", "Sign", "Verify", "TagResource", "UntagResource", "ListResourceTags",
        ];
        string[] bodies =
        [
            "{}", "null", "{\"KeyId\":null}", "{\"KeyId\":[]}", "{\"KeyId\":\"arn:aws:kms\"}", "{\"KeyId\":\"arn:aws:kms:us-east-1:111122223333:alias/\"}",
            "{\"KeyId\":\"alias/\",\"AliasName\":\"alias/a\",\"TargetKeyId\":\"x\",\"Policy\":\"{}\"}", "{\"Limit\":-5}",
            "{\"KeyId\":\"00000000-0000-0000-0000-000000000000\",\"Message\":\"AA==\",\"Signature\":\"AA==\",\"SigningAlgorithm\":\"ECDSA_SHA_256\",\"Tags\":[{}],\"TagKeys\":[1],\"Policy\":\"{\\\"Statement\\\":7}\"}",
            "{\"Policy\":\"{\\\"Statement\\\":[{\\\"Effect\\\":\\\"Allow\\\",\\\"Principal\\\":{\\\"AWS\\\":[{}]},\\\"Action\\\":\\\"kms:*\\\",\\\"Resource\\\":\\\"*\\\"}]}\"}",
            "{\"Marker\":\"%%%\"}", new string('[', 5000),
        ];
        foreach (var operation in operations)
        {
            foreach (var body in bodies)
            {
                var response = await _raw.SendAsync("TrentService." + operation, body);
                Assert.True(response.Status is >= 400 and < 500 || response.Status == 200, $"{operation} {body}: {response.Status} {response.Body}");
            }
        }

        var key = await fixture.SigningKeyAsync("ECC_NIST_P256");
        await fixture.Admin.SignAsync(new SignRequest { KeyId = key.KeyId, Message = new MemoryStream([1]), SigningAlgorithm = "ECDSA_SHA_256" });
    }
}
