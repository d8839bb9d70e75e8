namespace KmsSignature.Core.Signing;

/// <summary>A token's signing input and the KMS message for it, checked before any KMS call.</summary>
public sealed class PreparedJwt
{
    internal PreparedJwt(string signingInput, byte[] payloadJson, SigningMessage message, DateTimeOffset? expiresAt, object item)
    {
        SigningInput = signingInput;
        PayloadJson = payloadJson;
        Message = message;
        ExpiresAt = expiresAt;
        Item = item;
    }

    /// <summary>BASE64URL(header) '.' BASE64URL(payload) (RFC 7515 §5.1).</summary>
    public string SigningInput { get; }

    internal byte[] PayloadJson { get; }

    public SigningMessage Message { get; }

    public DateTimeOffset? ExpiresAt { get; }

    /// <summary>What the token is made from (the caller's claims object): the target of its errors, so a failed item can be sent again.</summary>
    internal object Item { get; }
}
