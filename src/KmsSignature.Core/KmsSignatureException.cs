namespace KmsSignature.Core;

/// <summary>
/// What kind of failure an error is; the cmdlets map it one-to-one onto PowerShell's ErrorCategory
/// (Core must not reference PowerShell types).
/// </summary>
public enum ErrorKind
{
    InvalidArgument,
    InvalidData,
    ObjectNotFound,
    ResourceExists,
    PermissionDenied,
    InvalidOperation,
    LimitsExceeded,
    ConnectionError,
    AuthenticationError,
    ResourceUnavailable,
    NotImplemented,
    OperationStopped,
    WriteError,
    ReadError,
    InvalidResult,
    OperationTimeout,
}

/// <summary>
/// A failure with a stable <see cref="ErrorId"/> (e.g. <c>KmsSignature.SignatureFileNotFound</c>), a kind
/// and the input it concerns. Cmdlets turn it into an ErrorRecord as is, so the message is written for users.
/// Never put key material or secrets into the message or the target.
/// </summary>
public sealed class KmsSignatureException : Exception
{
    public KmsSignatureException(string errorId, ErrorKind kind, string message, object? target = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId.StartsWith("KmsSignature.", StringComparison.Ordinal) ? errorId : "KmsSignature." + errorId;
        Kind = kind;
        Target = target;
    }

    public string ErrorId { get; }

    public ErrorKind Kind { get; }

    public object? Target { get; }

    /// <summary>The KMS error code (e.g. <c>NotFoundException</c>) when KMS refused the call.</summary>
    public string? KmsErrorCode { get; init; }

    /// <summary>The KMS request id, for AWS support and CloudTrail.</summary>
    public string? RequestId { get; init; }

    /// <summary>A hint on how to fix the problem, shown as the ErrorRecord's RecommendedAction.</summary>
    public string? RecommendedAction { get; init; }

    /// <summary>
    /// The KMS endpoint could not be reached or did not answer (the SDK's retries included), or the credentials were refused
    /// or could not be had: every later call would fail the same way, whatever its input, so a run stops here rather than
    /// repeat it for each item.
    /// </summary>
    public bool IsRunWide => Kind is ErrorKind.ConnectionError or ErrorKind.OperationTimeout or ErrorKind.AuthenticationError;

    /// <summary>The same error about another target (the item a shared operation failed for); the message is kept.</summary>
    public KmsSignatureException WithTarget(object? target) => Copy(Message, target);

    /// <summary>The same error with <paramref name="note"/> appended to its message: what else the failed operation had done.</summary>
    public KmsSignatureException WithNote(string note) => Copy($"{Message} {note}", Target);

    private KmsSignatureException Copy(string message, object? target) =>
        new(ErrorId, Kind, message, target, InnerException)
        {
            KmsErrorCode = KmsErrorCode,
            RequestId = RequestId,
            RecommendedAction = RecommendedAction,
        };
}
