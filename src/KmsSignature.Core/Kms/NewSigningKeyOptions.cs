using KmsSignature.Core.Policy;

namespace KmsSignature.Core.Kms;

/// <summary>What New-KmsSigningKey asks for.</summary>
public sealed record NewSigningKeyOptions
{
    /// <summary>Alias name, with or without the <c>alias/</c> prefix.</summary>
    public required string Alias { get; init; }

    /// <summary>KMS signing key spec name (default ECC_NIST_P256).</summary>
    public string KeySpec { get; init; } = "ECC_NIST_P256";

    public string? Description { get; init; }

    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    public bool MultiRegion { get; init; }

    /// <summary>Signers/verifiers for the key's birth policy; empty means KMS's default policy.</summary>
    public SignerPolicyRequest Policy { get; init; } = new();

    /// <summary>Return the key the alias already names when it is a compatible signing key.</summary>
    public bool UseExisting { get; init; }
}
