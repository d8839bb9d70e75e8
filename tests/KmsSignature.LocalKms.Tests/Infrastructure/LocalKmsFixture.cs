using System.Collections.Concurrent;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;

namespace KmsSignature.LocalKms.Tests.Infrastructure;

/// <summary>
/// One LocalKms per test collection, with signing keys created once per spec and shared (RSA_4096
/// generation is slow). Tests that change key state create their own keys.
/// </summary>
public sealed class LocalKmsFixture : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, Lazy<Task<KeyMetadata>>> _keys = new();

    public LocalKmsServer Kms { get; private set; } = null!;

    public IAmazonKeyManagementService Admin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Kms = await LocalKmsServer.StartAsync();
        Admin = Client(Kms.Admin);
    }

    public async Task DisposeAsync()
    {
        Admin.Dispose();
        await Kms.DisposeAsync();
    }

    public IAmazonKeyManagementService Client(LocalKmsPrincipal principal, int maxErrorRetry = 0) =>
        KmsClients.Create(Kms, principal, maxErrorRetry);

    /// <summary>A shared SIGN_VERIFY key of this spec (default key policy), created on first use.</summary>
    public Task<KeyMetadata> SigningKeyAsync(string keySpec) =>
        _keys.GetOrAdd(keySpec, spec => new Lazy<Task<KeyMetadata>>(async () =>
            (await Admin.CreateKeyAsync(new CreateKeyRequest { KeySpec = spec, KeyUsage = KeyUsageType.SIGN_VERIFY, Description = "shared " + spec })).KeyMetadata)).Value;

    /// <summary>A fresh key for tests that mutate it.</summary>
    public async Task<KeyMetadata> NewKeyAsync(string keySpec = "ECC_NIST_P256", string? policy = null, string keyUsage = "SIGN_VERIFY")
    {
        var request = new CreateKeyRequest { KeySpec = keySpec, KeyUsage = keyUsage };
        if (policy is not null)
        {
            request.Policy = policy;
        }

        return (await Admin.CreateKeyAsync(request)).KeyMetadata;
    }
}
