namespace KmsSignature.LocalKms.Protocol;

/// <summary>A KMS error response: the wire <c>__type</c> the SDK maps to a typed exception, its message and HTTP status.</summary>
internal sealed class KmsErrorException(string errorType, string message, int statusCode = 400) : Exception(message)
{
    public string ErrorType { get; } = errorType;

    public int StatusCode { get; } = statusCode;

    public static KmsErrorException Validation(string message) => new("ValidationException", message);

    /// <summary>KMS's model-constraint wording: "1 validation error detected: Value ... at 'field' failed to satisfy constraint: ...".</summary>
    public static KmsErrorException Constraint(string field, string? value, string constraint) =>
        Validation($"1 validation error detected: Value {(value is null ? "null" : $"'{value}'")} at '{field}' failed to satisfy constraint: {constraint}");

    public static KmsErrorException NotFound(string message) => new("NotFoundException", message);

    public static KmsErrorException Serialization(string message) => new("SerializationException", message);
}
