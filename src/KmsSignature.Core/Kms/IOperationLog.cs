namespace KmsSignature.Core.Kms;

/// <summary>
/// Where Core says what it is doing (region, endpoint, key, request ids) for -Verbose. Implementations
/// must be thread-safe: KMS calls complete on pool threads. Never pass secrets or key material.
/// </summary>
public interface IOperationLog
{
    void Verbose(string message);
}

/// <summary>A log that drops everything, for callers that want no output.</summary>
public sealed class NullOperationLog : IOperationLog
{
    public static NullOperationLog Instance { get; } = new();

    public void Verbose(string message)
    {
    }
}
