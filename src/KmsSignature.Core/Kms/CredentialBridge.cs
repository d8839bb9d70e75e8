using System.Reflection;
using Amazon.Runtime;

namespace KmsSignature.Core.Kms;

/// <summary>
/// Turns whatever -Credential or $StoredAWSCredentials holds into our AWSCredentials. AWS.Tools loads its
/// own AWSSDK.Core, so its AWSCredentials is a different type to ours even at the same version: we read its
/// immutable credentials by reflection (AccessKey, SecretKey, Token) on every request, so refreshing
/// credentials (assume-role, SSO) keep refreshing.
/// </summary>
internal static class CredentialBridge
{
    private const string AwsCredentialsTypeName = "Amazon.Runtime.AWSCredentials";

    // Access key ids beginning with ASIA are temporary credentials made by AWS STS (STS GetAccessKeyInfo reference): KMS refuses
    // them without their session token, and a PSCredential has nowhere to carry one.
    private const string TemporaryAccessKeyPrefix = "ASIA";

    // origin: where the value came from (-Credential, $StoredAWSCredentials), named in the error for one we cannot use.
    public static AWSCredentials FromObject(object value, string origin = "-Credential") => value switch
    {
        AwsKeyCredential { SessionToken: null } key when key.AccessKeyId.StartsWith(TemporaryAccessKeyPrefix, StringComparison.Ordinal) =>
            throw new KmsSignatureException("SessionTokenRequired", ErrorKind.InvalidArgument,
                $"Access key {key.AccessKeyId} is a temporary (AWS STS) access key, which KMS accepts only with its session token, " +
                "and a PSCredential carries no session token.", key.AccessKeyId)
            {
                RecommendedAction = "Pass -Credential an AWSCredentials object that holds the token (with AWS.Tools: " +
                                    "New-AWSCredential -AccessKey <id> -SecretKey <secret> -SessionToken <token>), use a profile with " +
                                    "aws_session_token, or set AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN.",
            },
        AwsKeyCredential key => key.SessionToken is null
            ? new BasicAWSCredentials(key.AccessKeyId, key.SecretAccessKey)
            : new SessionAWSCredentials(key.AccessKeyId, key.SecretAccessKey, key.SessionToken),
        AWSCredentials ours => ours,
        _ when DerivesFrom(value.GetType(), AwsCredentialsTypeName) => new ForeignCredentials(value),
        // AWS.Tools' AWSPSCredentials (what $StoredAWSCredentials holds) wraps an AWSCredentials.
        _ when value.GetType().GetProperty("Credentials")?.GetValue(value) is { } inner
               && DerivesFrom(inner.GetType(), AwsCredentialsTypeName) => FromObject(inner, origin),
        _ => throw new KmsSignatureException("UnsupportedCredential", ErrorKind.InvalidArgument,
            $"{origin} holds a {value.GetType().FullName}; KmsSignature takes a PSCredential (access key id as user name, secret access " +
            "key as password) or an AWSCredentials object such as Get-AWSCredential returns.", value.GetType().FullName)
        {
            // A value the user did not pass to this command: the message must say where it came from and how to replace it.
            RecommendedAction = origin == StoredCredentialsOrigin
                ? "Set it with AWS.Tools' Set-AWSCredential (a profile name goes to -ProfileName), remove it with Clear-AWSCredential, or pass -Credential or -ProfileName."
                : null,
        },
    };

    /// <summary>The origin of AWS.Tools' shell default, as <see cref="FromObject"/> names it.</summary>
    public const string StoredCredentialsOrigin = "$StoredAWSCredentials";

    private static bool DerivesFrom(Type? type, string fullName)
    {
        for (; type is not null; type = type.BaseType)
        {
            if (type.FullName == fullName)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>An AWSCredentials from another load context, read through its public surface.</summary>
    private sealed class ForeignCredentials(object foreign) : AWSCredentials
    {
        private readonly MethodInfo getCredentials = foreign.GetType().GetMethod("GetCredentials", Type.EmptyTypes)
            ?? throw new KmsSignatureException("UnsupportedCredential", ErrorKind.InvalidArgument,
                "The credential object has no GetCredentials() method.", foreign.GetType().FullName);

        public override ImmutableCredentials GetCredentials()
        {
            object? immutable;
            try
            {
                immutable = getCredentials.Invoke(foreign, null);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is not null)
            {
                // The object's own failure (an SSO session expired, an assume-role refused), not reflection's wrapper of it.
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
                throw; // unreachable
            }

            immutable = immutable
                ?? throw new KmsSignatureException("UnsupportedCredential", ErrorKind.AuthenticationError,
                    "The credential object returned no credentials.");
            var type = immutable.GetType();
            string? Read(string name) => type.GetProperty(name)?.GetValue(immutable) as string;
            var token = Read("Token");
            return new ImmutableCredentials(Read("AccessKey"), Read("SecretKey"), string.IsNullOrEmpty(token) ? null : token);
        }
    }
}
