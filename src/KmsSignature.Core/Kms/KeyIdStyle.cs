namespace KmsSignature.Core.Kms;

/// <summary>
/// What goes into a JWK <c>kid</c> (Export-KmsPublicKeyPem) and a JWT header <c>kid</c> (New-KmsSignedJwt):
/// both use the same style so tokens find their key in the exported JWKS.
/// </summary>
public enum KeyIdStyle
{
    /// <summary>The key ARN (default): unique across accounts and Regions.</summary>
    Arn,

    /// <summary>The bare key id (UUID or mrk-...).</summary>
    KeyId,

    /// <summary>The alias name (alias/...): readable, but moves when the alias moves.</summary>
    Alias,

    /// <summary>The RFC 7638 JWK thumbprint: derived from the key itself, reveals no account or Region.</summary>
    Thumbprint,
}
