namespace KmsSignature.Core.Kms;

/// <summary>
/// A KMS key as the key cmdlets show it. Its <c>KeyId</c> and <c>Arn</c> properties bind by property name
/// to <c>-KeyId</c> of the other cmdlets, so <c>Get-KmsSigningKey ... | Export-KmsPublicKeyPem</c> just works.
/// </summary>
public sealed class KmsSigningKey
{
    public KmsSigningKey(string keyId, string arn, string? alias, string keySpec, string keyUsage, IReadOnlyList<string> signingAlgorithms,
        IReadOnlyList<string> jwtAlgorithms, string keyState, DateTime? creationDate, string region, string? description, bool multiRegion)
    {
        KeyId = keyId;
        Arn = arn;
        Alias = alias;
        KeySpec = keySpec;
        KeyUsage = keyUsage;
        SigningAlgorithms = signingAlgorithms;
        JwtAlgorithms = jwtAlgorithms;
        KeyState = keyState;
        CreationDate = creationDate;
        Region = region;
        Description = description;
        MultiRegion = multiRegion;
    }

    public string KeyId { get; }

    public string Arn { get; }

    /// <summary>The alias the key was found or created by, else its first alias; null when it has none.</summary>
    public string? Alias { get; }

    public string KeySpec { get; }

    public string KeyUsage { get; }

    /// <summary>KMS signing algorithm names, e.g. ECDSA_SHA_256.</summary>
    public IReadOnlyList<string> SigningAlgorithms { get; }

    /// <summary>JOSE alg names a JWT signed with this key can carry, e.g. ES256.</summary>
    public IReadOnlyList<string> JwtAlgorithms { get; }

    public string KeyState { get; }

    public DateTime? CreationDate { get; }

    public string Region { get; }

    public string? Description { get; }

    public bool MultiRegion { get; }

    public override string ToString() => Arn;
}
