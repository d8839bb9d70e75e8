namespace KmsSignature.Core.Signing;

/// <summary>How an ECDSA signature is put into a JWS.</summary>
public enum JwsSignatureFormat
{
    /// <summary>Fixed-length R||S as RFC 7518 §3.4 requires; what every JOSE library expects.</summary>
    Jws,

    /// <summary>
    /// The DER SEQUENCE KMS returns, unconverted. NOT standard JWS: only for legacy verifiers written against
    /// AWS blog samples that base64url-encode KMS's output as is. Other algorithms are unaffected.
    /// </summary>
    Der,
}
