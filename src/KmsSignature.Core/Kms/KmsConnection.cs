using Amazon.KeyManagementService;

namespace KmsSignature.Core.Kms;

/// <summary>A ready KMS client and where it points. Cached and shared: do not dispose.</summary>
public sealed class KmsConnection
{
    internal KmsConnection(IAmazonKeyManagementService client, string region, Uri? endpoint, string credentialSource)
    {
        Client = client;
        Region = region;
        Endpoint = endpoint;
        CredentialSource = credentialSource;
    }

    public IAmazonKeyManagementService Client { get; }

    public string Region { get; }

    /// <summary>The custom endpoint, or null for the Region's public KMS endpoint.</summary>
    public Uri? Endpoint { get; }

    /// <summary>Where the credentials came from, for -Verbose (never the secret itself).</summary>
    public string CredentialSource { get; }

    /// <summary>What -Verbose says about the connection.</summary>
    public string Describe() =>
        $"KMS in {Region} at {(Endpoint?.ToString() ?? "the Region's public endpoint")}, credentials from {CredentialSource}";
}
