using System.Management.Automation;
using KmsSignature.Core;

namespace KmsSignature.Cmdlets;

/// <summary>Turns Core's exceptions into ErrorRecords without re-wording them.</summary>
internal static class ErrorRecords
{
    public static ErrorRecord From(KmsSignatureException ex)
    {
        var record = new ErrorRecord(ex, ex.ErrorId, Category(ex.Kind), ex.Target);
        if (ex.RecommendedAction is not null)
        {
            record.ErrorDetails = new ErrorDetails(ex.Message) { RecommendedAction = ex.RecommendedAction };
        }

        return record;
    }

    /// <summary>An error the cmdlet itself detects, made the same way as Core's so id, kind and category agree.</summary>
    public static ErrorRecord Create(string errorId, ErrorKind kind, string message, object? target, Exception? inner = null) =>
        From(new KmsSignatureException(errorId, kind, message, target, inner));

    public static ErrorCategory Category(ErrorKind kind) => kind switch
    {
        ErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
        ErrorKind.InvalidData => ErrorCategory.InvalidData,
        ErrorKind.ObjectNotFound => ErrorCategory.ObjectNotFound,
        ErrorKind.ResourceExists => ErrorCategory.ResourceExists,
        ErrorKind.PermissionDenied => ErrorCategory.PermissionDenied,
        ErrorKind.InvalidOperation => ErrorCategory.InvalidOperation,
        ErrorKind.LimitsExceeded => ErrorCategory.LimitsExceeded,
        ErrorKind.ConnectionError => ErrorCategory.ConnectionError,
        ErrorKind.AuthenticationError => ErrorCategory.AuthenticationError,
        ErrorKind.ResourceUnavailable => ErrorCategory.ResourceUnavailable,
        ErrorKind.NotImplemented => ErrorCategory.NotImplemented,
        ErrorKind.OperationStopped => ErrorCategory.OperationStopped,
        ErrorKind.WriteError => ErrorCategory.WriteError,
        ErrorKind.ReadError => ErrorCategory.ReadError,
        ErrorKind.InvalidResult => ErrorCategory.InvalidResult,
        ErrorKind.OperationTimeout => ErrorCategory.OperationTimeout,
        _ => ErrorCategory.NotSpecified,
    };
}
