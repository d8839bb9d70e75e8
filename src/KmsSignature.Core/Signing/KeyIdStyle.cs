namespace KmsSignature.Core.Signing;

/// <summary>
/// What a token's <c>kid</c> (and an exported JWK's) holds, so kids always match the JWKS handed to verifiers:
/// the key ARN (default: unique across accounts and Regions), the bare key id, the alias, or the RFC 7638 thumbprint.
/// </summary>
public enum KeyIdStyle
{
    Arn,
    KeyId,
    Alias,
    Thumbprint,
}
