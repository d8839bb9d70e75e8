using System.Net.Http;
using System.Net.Sockets;
using System.Security.Authentication;
using Amazon.Runtime;

namespace KmsSignature.Core.Kms;

/// <summary>
/// Turns SDK exceptions into <see cref="KmsSignatureException"/>s that keep KMS's error code, message and
/// request id, with an error id per KMS code (<c>KmsSignature.KmsNotFound</c>, <c>KmsSignature.KmsAccessDenied</c> ...).
/// </summary>
public static class KmsErrorTranslator
{
    // `retried` is false for a call that is not sent again when it times out (CreateKey): its timeout claims no retries.
    public static KmsSignatureException Translate(Exception exception, string operation, object? target, Uri? endpoint = null, bool retried = true)
    {
        if (exception is KmsSignatureException already)
        {
            // Ours, raised inside the call (credentials a profile could not get: CredentialsUnavailable) without knowing the
            // item; it ends the run, and its target must say which item that was, as every other error's does.
            return already.Target is null && target is not null ? already.WithTarget(target) : already;
        }

        // The SDK turns HttpClient's own timeout (no answer within the client's Timeout) into TimeoutException, over a
        // TaskCanceledException and a SocketException "Operation canceled": reported as "could not reach ...: Operation
        // canceled", it read as if the user had cancelled, or as if the endpoint had refused the connection.
        if (IsTimeout(exception))
        {
            return new KmsSignatureException("KmsTimeout", ErrorKind.OperationTimeout,
                $"KMS {operation}{(target is null ? string.Empty : $" for '{target}'")} timed out: {(endpoint?.ToString() ?? "the KMS endpoint")} " +
                (retried ? "did not answer in time, retries included." : "did not answer in time."), target, exception)
            {
                RecommendedAction = "Retry later; check -EndpointUrl / -Region, the network path to KMS and any proxy settings.",
            };
        }

        // https:// to a plain-HTTP endpoint (LocalKms) failed with SslStream's "Cannot determine the frame size or a corrupted frame
        // was received": true, but it did not say that the endpoint was reached and TLS was the problem, nor what to change.
        if (IsConnectionFailure(exception) && Chain(exception).OfType<AuthenticationException>().FirstOrDefault() is { } tls)
        {
            return new KmsSignatureException("KmsEndpointUnreachable", ErrorKind.ConnectionError,
                $"KMS {operation} could not set up TLS with {(endpoint?.ToString() ?? "the KMS endpoint")}: {Innermost(tls).Message}",
                target, exception)
            {
                RecommendedAction = "An endpoint that speaks plain HTTP, such as LocalKms, needs an http:// -EndpointUrl; for an https:// one, " +
                                    "check that its certificate is trusted on this machine and any TLS-intercepting proxy.",
            };
        }

        if (IsConnectionFailure(exception))
        {
            return new KmsSignatureException("KmsEndpointUnreachable", ErrorKind.ConnectionError,
                $"KMS {operation} could not reach {(endpoint?.ToString() ?? "the KMS endpoint")}: {Innermost(exception).Message}",
                target, exception)
            {
                RecommendedAction = "Check -EndpointUrl / -Region, the network path to KMS, and any proxy settings.",
            };
        }

        if (exception is not AmazonServiceException && IsThrottling(exception))
        {
            return new KmsSignatureException("KmsThrottling", ErrorKind.LimitsExceeded,
                $"KMS {operation}{(target is null ? string.Empty : $" for '{target}'")} was throttled beyond its retries: {exception.Message}",
                target, exception)
            {
                KmsErrorCode = "ThrottlingException",
                RecommendedAction = "Wait and retry, lower the request rate (-ThrottleLimit), or ask AWS for a higher KMS request quota.",
            };
        }

        if (exception is AmazonServiceException service && !string.IsNullOrEmpty(service.ErrorCode))
        {
            var code = service.ErrorCode;
            var shortCode = code.EndsWith("Exception", StringComparison.Ordinal) ? code[..^"Exception".Length] : code;
            if (shortCode.StartsWith("KMS", StringComparison.Ordinal))
            {
                shortCode = shortCode[3..];
            }

            var subject = target is null ? string.Empty : $" for '{target}'";
            return new KmsSignatureException("Kms" + shortCode, KindOf(code, (int)service.StatusCode),
                $"KMS {operation}{subject} failed: {service.Message} ({code}, request id {service.RequestId}).", target, exception)
            {
                KmsErrorCode = code,
                RequestId = service.RequestId,
                RecommendedAction = code switch
                {
                    "AccessDeniedException" => "Check the key policy (Set-KmsSignerPolicy) and the caller's IAM policy.",
                    "ThrottlingException" => "KMS throttled the request beyond its retries; lower -ThrottleLimit or ask for a higher quota.",
                    "LimitExceededException" => "A KMS resource quota is full (keys in this Region, aliases or tags per key, the 32 KB key policy); " +
                        "retrying does not help. Remove what is unused (keys, aliases, tags, policy statements), or ask AWS for a higher quota where it is adjustable.",
                    "DisabledException" => "Enable the key (Enable-KMSKey) or use another key.",
                    // KMS's own words ("The security token included in the request is invalid") do not say it is the access key id.
                    "UnrecognizedClientException" => "KMS does not know this access key id. Check the credentials (-Credential, -ProfileName, " +
                        "$StoredAWSCredentials or AWS_ACCESS_KEY_ID; -Verbose names the ones used) and that they are for this AWS partition and endpoint.",
                    "InvalidSignatureException" => "Check the secret access key that goes with the access key id (-Verbose names the credentials " +
                        "used), and that -Region is the Region of the endpoint.",
                    _ => null,
                },
            };
        }

        // An HTTP error without KMS's error body: a load balancer, proxy or gateway in front of KMS (502/503/504 with an HTML
        // page), or a 5xx with an empty body. The SDK's message says only "See inner exception"; the status is the news.
        if (exception is AmazonServiceException { StatusCode: >= System.Net.HttpStatusCode.BadRequest } http)
        {
            var status = (int)http.StatusCode;
            var requestId = string.IsNullOrEmpty(http.RequestId) ? null : http.RequestId;
            return new KmsSignatureException("KmsHttpError", status >= 500 ? ErrorKind.ResourceUnavailable : ErrorKind.InvalidOperation,
                $"KMS {operation}{(target is null ? string.Empty : $" for '{target}'")} failed: {(endpoint?.ToString() ?? "the KMS endpoint")} " +
                $"answered HTTP {status} ({http.StatusCode}) without a KMS error" + (requestId is null ? "." : $" (request id {requestId})."),
                target, exception)
            {
                RequestId = requestId,
                RecommendedAction = status >= 500
                    ? "Retry later; if it persists, check any proxy or load balancer between here and KMS (-EndpointUrl)."
                    : "Check -EndpointUrl and any proxy between here and KMS: the answer did not come from KMS.",
            };
        }

        return new KmsSignatureException("KmsCallFailed", ErrorKind.InvalidOperation,
            $"KMS {operation} failed: {exception.Message}", target, exception);
    }

    /// <summary>
    /// True for KMS throttling: ThrottlingException (a request quota), or adaptive retry mode giving up with a client-side
    /// "capacity could not be obtained" error when KMS throttled so much its rate limiter has no tokens left. Not
    /// LimitExceededException: that is a resource quota (keys in the Region, aliases or tags per key, policy size), which
    /// waiting does not cure.
    /// </summary>
    public static bool IsThrottling(Exception exception) => exception switch
    {
        AmazonServiceException service => service.ErrorCode is "ThrottlingException",
        AmazonClientException client => client.Message.Contains("capacity could not be obtained", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    /// <summary>
    /// True for failures a retry may cure: KMS server faults (HTTP 5xx: KMSInternalException, KeyUnavailableException,
    /// DependencyTimeoutException, ServiceUnavailable) and a lost or failed connection, never one of our own errors (a
    /// <see cref="KmsSignatureException"/> such as CredentialsUnavailable, even one explaining a network failure). The SDK retries these itself;
    /// this is for calls made with its retries off (Sign, see <see cref="KmsConnection.SignClient"/>).
    /// </summary>
    public static bool IsTransient(Exception exception)
    {
        if (exception is AmazonServiceException { StatusCode: >= System.Net.HttpStatusCode.InternalServerError })
        {
            return true;
        }

        foreach (var e in Chain(exception))
        {
            if (e is KmsSignatureException)
            {
                return false; // ours (CredentialsUnavailable, ...) is the final answer, whatever network failure it explains
            }

            if (e is HttpRequestException or SocketException or IOException or TimeoutException)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Maps a KMS error code onto an error kind (and so a PowerShell ErrorCategory).</summary>
    public static ErrorKind KindOf(string code, int httpStatus) => code switch
    {
        "AccessDeniedException" => ErrorKind.PermissionDenied,
        "UnrecognizedClientException" or "InvalidSignatureException" or "IncompleteSignatureException"
            or "ExpiredTokenException" or "MissingAuthenticationTokenException" => ErrorKind.AuthenticationError,
        "NotFoundException" => ErrorKind.ObjectNotFound,
        "AlreadyExistsException" => ErrorKind.ResourceExists,
        "ThrottlingException" or "LimitExceededException" => ErrorKind.LimitsExceeded,
        "KMSInvalidSignatureException" => ErrorKind.InvalidData,
        "DisabledException" or "KMSInvalidStateException" or "InvalidKeyUsageException" => ErrorKind.InvalidOperation,
        "KeyUnavailableException" or "DependencyTimeoutException" or "KMSInternalException" => ErrorKind.ResourceUnavailable,
        "InvalidArnException" or "ValidationException" or "MalformedPolicyDocumentException" or "InvalidAliasNameException"
            or "InvalidMarkerException" or "UnsupportedOperationException" or "SerializationException" => ErrorKind.InvalidArgument,
        _ when httpStatus >= 500 => ErrorKind.ResourceUnavailable,
        _ => ErrorKind.InvalidOperation,
    };

    /// <summary>No answer came within the client's timeout: what <c>KmsSignature.KmsTimeout</c> reports.</summary>
    public static bool IsTimeout(Exception exception) => Chain(exception).Any(static e => e is TimeoutException);

    /// <summary>The connection to KMS failed or was lost (no HTTP answer): what <c>KmsSignature.KmsEndpointUnreachable</c> reports.</summary>
    public static bool IsConnectionFailure(Exception exception) =>
        Chain(exception).Any(static e => e is HttpRequestException or SocketException);

    /// <summary>
    /// No connection was made (refused, no such host): the request never reached KMS, so sending it again cannot repeat what
    /// it did. The SDK may hand on HttpClient's inner exception.
    /// </summary>
    public static bool IsNeverSent(Exception exception) =>
        Chain(exception).Any(static e => e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError }
            or SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostNotFound or SocketError.TryAgain
                or SocketError.NetworkUnreachable or SocketError.HostUnreachable });

    /// <summary>The request may have reached KMS and been carried out, but no answer came (the connection lost after sending, or a timeout).</summary>
    public static bool IsAnswerLost(Exception exception) =>
        exception is not AmazonServiceException && IsTransient(exception) && !IsNeverSent(exception);

    // The exception and its inner exceptions, outermost first.
    private static IEnumerable<Exception> Chain(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }

    private static Exception Innermost(Exception exception)
    {
        while (exception.InnerException is not null)
        {
            exception = exception.InnerException;
        }

        return exception;
    }
}
