namespace KmsSignature.Core.Signing;

/// <summary>How a detached signature file is written.</summary>
public enum SignatureFileEncoding
{
    /// <summary>The signature bytes (what <c>openssl dgst -sign -out</c> writes and <c>-signature</c> reads).</summary>
    Binary,

    /// <summary>Standard base64 on one line with a trailing newline (what <c>aws kms sign</c> prints).</summary>
    Base64,
}
