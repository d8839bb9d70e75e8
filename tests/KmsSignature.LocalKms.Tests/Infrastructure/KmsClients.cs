using Amazon.KeyManagementService;
using Amazon.Runtime;

namespace KmsSignature.LocalKms.Tests.Infrastructure;

/// <summary>The real AWS SDK client pointed at LocalKms, exactly as users configure it for a custom endpoint.</summary>
public static class KmsClients
{
    public static IAmazonKeyManagementService Create(LocalKmsServer kms, LocalKmsPrincipal principal, int maxErrorRetry = 0) =>
        Create(kms.Endpoint, kms.Region, new BasicAWSCredentials(principal.AccessKeyId, principal.SecretAccessKey), maxErrorRetry);

    public static IAmazonKeyManagementService Create(Uri endpoint, string region, AWSCredentials credentials, int maxErrorRetry = 0) =>
        new AmazonKeyManagementServiceClient(credentials, new AmazonKeyManagementServiceConfig
        {
            ServiceURL = endpoint.ToString(),
            AuthenticationRegion = region,
            MaxErrorRetry = maxErrorRetry,
            Timeout = TimeSpan.FromSeconds(30),
        });
}
