using Amazon.Runtime;

namespace KmsSignature.Core.Kms;

/// <summary>
/// Credentials that may have to be fetched (assume-role through STS, the SSO token cache, a credential_process, container
/// and instance roles), named for where they come from. The SDK fetches them inside the first KMS call, so without this
/// an STS host that cannot be reached read as "KMS could not be reached", and an SSO login that has expired as a generic
/// KMS failure. A failure to get them is <c>KmsSignature.CredentialsUnavailable</c> (AuthenticationError) instead.
/// </summary>
internal sealed class SourcedCredentials(AWSCredentials inner, string source, string recommendedAction) : AWSCredentials
{
    public override ImmutableCredentials GetCredentials()
    {
        try
        {
            return inner.GetCredentials();
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not KmsSignatureException)
        {
            throw Unavailable(ex);
        }
    }

    public override async Task<ImmutableCredentials> GetCredentialsAsync()
    {
        try
        {
            return await inner.GetCredentialsAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not KmsSignatureException)
        {
            throw Unavailable(ex);
        }
    }

    private KmsSignatureException Unavailable(Exception ex)
    {
        var innermost = ex;
        while (innermost.InnerException is not null)
        {
            innermost = innermost.InnerException;
        }

        var detail = ReferenceEquals(innermost, ex) ? ex.Message : $"{ex.Message} ({innermost.Message})";
        return new KmsSignatureException("CredentialsUnavailable", ErrorKind.AuthenticationError,
            $"Could not get AWS credentials from {source}: {detail}", null, ex)
        {
            RecommendedAction = recommendedAction,
        };
    }
}
