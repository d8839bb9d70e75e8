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
}
