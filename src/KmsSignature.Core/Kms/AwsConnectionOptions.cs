using System.Net;

namespace KmsSignature.Core.Kms;

/// <summary>
/// Where and as whom to call KMS, as the user gave it. Resolution order (AWS.Tools' own):
/// explicit parameters, then the shell defaults AWS.Tools' Set-AWSCredential / Set-DefaultAWSRegion left
/// in the session, then the SDK's default chain (environment, shared config and credentials files, SSO,
/// container and instance roles).
/// </summary>
public sealed record AwsConnectionOptions
{
    public string? Region { get; init; }

    public string? ProfileName { get; init; }

    /// <summary>A shared credentials file other than the default one; without <see cref="ProfileName"/>, its default profile.</summary>
    public string? ProfileLocation { get; init; }

    /// <summary>
    /// An <see cref="AwsKeyCredential"/>, an AWS SDK AWSCredentials object (ours or AWS.Tools' copy loaded
    /// in another load context), or AWS.Tools' AWSPSCredentials wrapper.
    /// </summary>
    public object? Credential { get; init; }

    /// <summary>A KMS endpoint other than the Region's (a VPC endpoint, FIPS endpoint or LocalKms).</summary>
    public Uri? EndpointUrl { get; init; }

    /// <summary>The value of <c>$StoredAWSRegion</c> in the calling session, if any.</summary>
    public string? ShellDefaultRegion { get; init; }

    /// <summary>The value of <c>$StoredAWSCredentials</c> in the calling session, if any.</summary>
    public object? ShellDefaultCredential { get; init; }

    /// <summary>
    /// What to warn about a plain http:// <see cref="EndpointUrl"/> whose host is not this machine (localhost, 127.0.0.0/8,
    /// ::1); null for https://, for no endpoint and for loopback. Plain HTTP stays allowed, since LocalKms in a container or
    /// on a test host speaks it, but SigV4 only signs requests: it encrypts nothing, so the access key id, any session token,
    /// messages, digests and signatures can be read on the way, and a response (a public key) changed.
    /// </summary>
    public string? CleartextEndpointWarning()
    {
        if (EndpointUrl is not { IsAbsoluteUri: true } endpoint || endpoint.Scheme != Uri.UriSchemeHttp || IsLoopback(endpoint))
        {
            return null;
        }

        var shown = endpoint.GetComponents(UriComponents.AbsoluteUri & ~UriComponents.UserInfo, UriFormat.UriEscaped);
        return $"-EndpointUrl {shown} is plain HTTP to a host that is not this machine: requests and responses (the access key id " +
               "and any session token, messages or digests, signatures, public keys) cross the network unencrypted and can be read " +
               "or changed on the way. Use an https:// endpoint, unless this is a LocalKms on a network you trust.";
    }

    // By address, or the name localhost itself: any other name may resolve anywhere, so it counts as another host.
    private static bool IsLoopback(Uri endpoint) => endpoint.HostNameType switch
    {
        UriHostNameType.IPv4 or UriHostNameType.IPv6 => IPAddress.TryParse(endpoint.IdnHost, out var address) && IPAddress.IsLoopback(address),
        UriHostNameType.Dns => string.Equals(endpoint.IdnHost.TrimEnd('.'), "localhost", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };
}
