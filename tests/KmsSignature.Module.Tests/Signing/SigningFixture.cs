using System.Collections.Concurrent;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using KmsSignature.LocalKms;
using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests.Signing;

/// <summary>
/// LocalKms plus signing keys of every spec, created once per test class with the SDK directly (a key policy
/// that lets the signer principal sign and the verifier principal only read the public key).
/// </summary>
public sealed class SigningFixture : IAsyncLifetime
{
    private readonly LocalKmsFixture kms = new();
    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> keys = new(StringComparer.Ordinal);
    private AmazonKeyManagementServiceClient? admin;

    public LocalKmsServer Kms => kms.Kms;

    public IAmazonKeyManagementService Admin => admin!;

    public async Task InitializeAsync()
    {
        await kms.InitializeAsync();
        admin = new AmazonKeyManagementServiceClient(
            new BasicAWSCredentials(Kms.Admin.AccessKeyId, Kms.Admin.SecretAccessKey),
            new AmazonKeyManagementServiceConfig { ServiceURL = Kms.Endpoint.ToString(), AuthenticationRegion = Kms.Region });
    }

    public async Task DisposeAsync()
    {
        admin?.Dispose();
        await kms.DisposeAsync();
    }

    public PowerShellSession NewSession(System.Management.Automation.Host.PSHost? host = null) => kms.NewSession(host);

    /// <summary>
    /// Faults on Sign for one test (latency, throttling, errors), set by <paramref name="configure"/>; disposing
    /// resets them, so the class's other tests sign normally. Use with <c>using var</c>.
    /// </summary>
    public IDisposable FaultsOnSign(Action<LocalKmsFaultSettings> configure)
    {
        var sign = Kms.Faults.For("Sign");
        configure(sign);
        return new ResetOnDispose(sign);
    }

    private sealed class ResetOnDispose(LocalKmsFaultSettings settings) : IDisposable
    {
        public void Dispose() => settings.Reset();
    }

    /// <summary>The ARN of this class's key of the given spec (e.g. ECC_NIST_P256), created on first use.</summary>
    public Task<string> KeyAsync(string keySpec, string? alias = null) =>
        keys.GetOrAdd(keySpec + "|" + alias, _ => new Lazy<Task<string>>(() => CreateAsync(keySpec, alias))).Value;

    /// <summary>The key's public key as PEM (SPKI), as openssl and node read it.</summary>
    public async Task<string> PemAsync(string keyArn)
    {
        var response = await Admin.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = keyArn });
        return new string(System.Security.Cryptography.PemEncoding.Write("PUBLIC KEY", response.PublicKey.ToArray())) + "\n";
    }

    private async Task<string> CreateAsync(string keySpec, string? alias)
    {
        var policy = $$"""
            {"Version":"2012-10-17","Statement":[
              {"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{Kms.AccountId}}:root"},"Action":"kms:*","Resource":"*"},
              {"Sid":"Signers","Effect":"Allow","Principal":{"AWS":"{{Kms.Signer.Arn}}"},"Action":["kms:Sign","kms:GetPublicKey","kms:DescribeKey"],"Resource":"*"},
              {"Sid":"Verifiers","Effect":"Allow","Principal":{"AWS":"{{Kms.Verifier.Arn}}"},"Action":["kms:GetPublicKey","kms:DescribeKey"],"Resource":"*"}]}
            """;
        var key = await Admin.CreateKeyAsync(new CreateKeyRequest { KeySpec = keySpec, KeyUsage = KeyUsageType.SIGN_VERIFY, Policy = policy });
        if (alias is not null)
        {
            await Admin.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = key.KeyMetadata.KeyId });
        }

        return key.KeyMetadata.Arn;
    }
}
