namespace KmsSignature.Core.Kms;

/// <summary>
/// An access key pair (what a PSCredential carries: access key id as user name, secret as password).
/// <see cref="ToString"/> never shows the secret.
/// </summary>
public sealed class AwsKeyCredential
{
    public AwsKeyCredential(string accessKeyId, string secretAccessKey, string? sessionToken = null)
    {
        // The target is the access key id (never the secret), so a bad credential among several can be told apart.
        if (string.IsNullOrWhiteSpace(accessKeyId))
        {
            throw new KmsSignatureException("InvalidCredential", ErrorKind.InvalidArgument,
                "A credential needs an access key id (user name) and a secret access key (password); the access key id is empty.");
        }

        if (string.IsNullOrEmpty(secretAccessKey))
        {
            throw new KmsSignatureException("InvalidCredential", ErrorKind.InvalidArgument,
                $"The credential for access key {accessKeyId.Trim()} has an empty password: it must hold the secret access key.",
                accessKeyId.Trim());
        }

        AccessKeyId = accessKeyId.Trim();
        SecretAccessKey = secretAccessKey;
        SessionToken = string.IsNullOrEmpty(sessionToken) ? null : sessionToken;
    }

    public string AccessKeyId { get; }

    public string SecretAccessKey { get; }

    public string? SessionToken { get; }

    public override string ToString() => $"access key {AccessKeyId}";
}
