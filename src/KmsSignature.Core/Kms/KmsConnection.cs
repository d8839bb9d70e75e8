using Amazon.KeyManagementService;

namespace KmsSignature.Core.Kms;

/// <summary>A ready KMS client and where it points. Cached and shared: do not dispose.</summary>
public sealed class KmsConnection
{
    internal KmsConnection(IAmazonKeyManagementService client, IAmazonKeyManagementService signClient, string region, Uri? endpoint, string credentialSource)
    {
        Client = client;
        SignClient = signClient;
        Region = region;
        Endpoint = endpoint;
        CredentialSource = credentialSource;
    }

    /// <summary>For every operation but bulk Sign: the SDK retries throttling and transient errors itself.</summary>
    public IAmazonKeyManagementService Client { get; }

    /// <summary>
    /// For Sign: the same endpoint and credentials with the SDK's retries off, because Sign's retries are
    /// <see cref="Signing.SigningKey"/>'s. The SDK would sleep a throttled call for seconds (standard mode backs off
    /// up to 20 s), holding an ordered bulk run behind it and hiding the throttling from <see cref="SignPacer"/>.
    /// Also for CreateKey, which must not be sent again once KMS may have acted on it (it has no client token).
    /// </summary>
    public IAmazonKeyManagementService SignClient { get; }

    /// <summary>Paces Sign calls through this connection to the quota KMS enforces (shared by every cmdlet using it).</summary>
    public RequestPacer SignPacer { get; } = new();

    public string Region { get; }

    /// <summary>The custom endpoint, or null for the Region's public KMS endpoint.</summary>
    public Uri? Endpoint { get; }

    /// <summary>Where the credentials came from, for -Verbose (never the secret itself).</summary>
    public string CredentialSource { get; }

    /// <summary>What -Verbose says about the connection.</summary>
    public string Describe() =>
        $"KMS in {Region} at {(Endpoint?.ToString() ?? "the Region's public endpoint")}, credentials from {CredentialSource}";
}
