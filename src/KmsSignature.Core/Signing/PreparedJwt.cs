namespace KmsSignature.Core.Signing;

/// <summary>A token's signing input and the KMS message for it, checked before any KMS call.</summary>
public sealed class PreparedJwt
{
    internal PreparedJwt(string signingInput, byte[] payloadJson, SigningMessage message, DateTimeOffset? expiresAt)
    {
        SigningInput = signingInput;
        PayloadJson = payloadJson;
        Message = message;
        ExpiresAt = expiresAt;
    }

    /// <summary>BASE64URL(header) '.' BASE64URL(payload) (RFC 7515 §5.1).</summary>
    public string SigningInput { get; }

    internal byte[] PayloadJson { get; }

    public SigningMessage Message { get; }

    public DateTimeOffset? ExpiresAt { get; }
}
