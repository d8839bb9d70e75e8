using System.Text;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using KmsSignature.LocalKms;
using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests.Keys;

/// <summary>The real AWS SDK client straight at LocalKms: an independent view of what the cmdlets did.</summary>
internal static class KmsSdk
{
    public static AmazonKeyManagementServiceClient For(LocalKmsFixture fixture, LocalKmsPrincipal principal) =>
        new(new BasicAWSCredentials(principal.AccessKeyId, principal.SecretAccessKey), new AmazonKeyManagementServiceConfig
        {
            ServiceURL = fixture.Kms.Endpoint.ToString(),
            AuthenticationRegion = fixture.Kms.Region,
            MaxErrorRetry = 0,
        });

    public static async Task<string> CreateKeyAsync(LocalKmsFixture fixture, string keySpec = "ECC_NIST_P256", string usage = "SIGN_VERIFY", string? alias = null, string? policy = null)
    {
        using var admin = For(fixture, fixture.Kms.Admin);
        var created = await admin.CreateKeyAsync(new CreateKeyRequest { KeySpec = keySpec, KeyUsage = usage, Policy = policy });
        if (alias is not null)
        {
            await admin.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = created.KeyMetadata.KeyId });
        }

        return created.KeyMetadata.Arn;
    }

    public static async Task<string> PolicyAsync(LocalKmsFixture fixture, string keyArn)
    {
        using var admin = For(fixture, fixture.Kms.Admin);
        return (await admin.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = keyArn, PolicyName = "default" })).Policy;
    }

    public static async Task PutPolicyAsync(LocalKmsFixture fixture, string keyArn, string policy)
    {
        using var admin = For(fixture, fixture.Kms.Admin);
        await admin.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = keyArn, PolicyName = "default", Policy = policy });
    }

    public static async Task<KeyMetadata> DescribeAsync(LocalKmsFixture fixture, string keyId)
    {
        using var admin = For(fixture, fixture.Kms.Admin);
        return (await admin.DescribeKeyAsync(new DescribeKeyRequest { KeyId = keyId })).KeyMetadata;
    }

    /// <summary>Null when the principal may sign, else the KMS error code.</summary>
    public static async Task<string?> TrySignAsync(LocalKmsFixture fixture, LocalKmsPrincipal principal, string keyId, string algorithm)
    {
        using var client = For(fixture, principal);
        try
        {
            await client.SignAsync(new SignRequest
            {
                KeyId = keyId, SigningAlgorithm = algorithm, MessageType = MessageType.RAW,
                Message = new MemoryStream(Encoding.UTF8.GetBytes("hello")),
            });
            return null;
        }
        catch (AmazonKeyManagementServiceException ex)
        {
            return ex.ErrorCode;
        }
    }

    /// <summary>Null when the principal may fetch the public key, else the KMS error code.</summary>
    public static async Task<string?> TryGetPublicKeyAsync(LocalKmsFixture fixture, LocalKmsPrincipal principal, string keyId)
    {
        using var client = For(fixture, principal);
        try
        {
            await client.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = keyId });
            return null;
        }
        catch (AmazonKeyManagementServiceException ex)
        {
            return ex.ErrorCode;
        }
    }

    /// <summary>Mutating operations counted by LocalKms.</summary>
    public static long Mutations(LocalKmsServer kms) =>
        new[] { "CreateKey", "CreateAlias", "UpdateAlias", "DeleteAlias", "PutKeyPolicy", "ScheduleKeyDeletion", "TagResource", "EnableKey", "DisableKey" }
            .Sum(kms.Counters.Count);
}
