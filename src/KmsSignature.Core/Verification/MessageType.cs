namespace KmsSignature.Core.Verification;

/// <summary>Like KMS Sign's MessageType: RAW (the message itself) or DIGEST (the message's hash, computed by the caller).</summary>
public enum MessageType
{
    Raw,
    Digest,
}
